using System.Globalization;
using Hangfire.States;

namespace JobExporter.Hangfire.States;

/// <summary>
/// The queue a job was enqueued to and when, kept as a job parameter written in the same transaction that enqueues
/// it. Hangfire hands job parameters to the worker with the job (<c>ParametersSnapshot</c>), so the worker learns
/// the real queue and the wait without reading storage. Value: <c>unix-milliseconds|queue</c>.
/// </summary>
internal static class EnqueuedFacts
{
    public const string ParameterName = "JobExporter.Enqueued";

    public static string Format(EnqueuedState state) =>
        new DateTimeOffset(DateTime.SpecifyKind(state.EnqueuedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)
        + "|" + state.Queue;

    /// <summary>The queue and the enqueue time (Unix seconds), or false when the value is absent or not ours.</summary>
    public static bool TryParse(string? value, out string queue, out double enqueuedAt)
    {
        queue = "";
        enqueuedAt = 0;
        var bar = value?.IndexOf('|') ?? -1;
        if (bar <= 0 || bar == value!.Length - 1) return false;
        if (!long.TryParse(value.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)) return false;
        queue = value[(bar + 1)..];
        enqueuedAt = ms / 1000.0;
        return true;
    }
}
