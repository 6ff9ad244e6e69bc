using System.Globalization;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace JobExporter.Hangfire.States;

/// <summary>
/// The queue a job was enqueued to and when, kept as a job parameter written in the same transaction that enqueues
/// it. Hangfire hands job parameters to the worker with the job (<c>ParametersSnapshot</c>), so the worker learns
/// the real queue and the wait without reading storage. Value: <c>unix-milliseconds|queue</c>.
/// </summary>
/// <param name="Queue">The queue the job was enqueued to.</param>
/// <param name="EnqueuedAt">When, in Unix seconds; null when not known (read from a state without it).</param>
internal readonly record struct EnqueuedFacts(string Queue, double? EnqueuedAt)
{
    public const string ParameterName = "JobExporter.Enqueued";

    /// <summary>The parameter's value for a job about to be enqueued by <paramref name="state"/> to <paramref name="queue"/>.</summary>
    public static string Format(EnqueuedState state, string queue) =>
        new DateTimeOffset(DateTime.SpecifyKind(state.EnqueuedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)
        + "|" + queue;

    // The queue names read last: a process has few queues, so parsing a job's facts seldom allocates a new string.
    private static readonly string?[] RecentQueues = new string?[8];

    /// <summary>
    /// A job's facts in an election: from the parameters that came with it; else, when it leaves Enqueued, from that
    /// state (one storage read, on the connection the election holds); else the queue Hangfire's job knows, and no time.
    /// </summary>
    public static EnqueuedFacts Of(ElectStateContext context)
    {
        var job = context.BackgroundJob;
        if (TryRead(job, out var facts)) return facts;
        string? queue = null;
        double? enqueuedAt = null;
        if (context.CurrentState == EnqueuedState.StateName
            && context.Connection.GetStateData(job.Id) is { Data: { } data } state && state.Name == EnqueuedState.StateName)
        {
            if (data.TryGetValue("Queue", out var q) && !string.IsNullOrEmpty(q)) queue = q;
            if (data.TryGetValue("EnqueuedAt", out var at) && JobHelper.DeserializeNullableDateTime(at) is { } time)
            {
                enqueuedAt = new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds() / 1000.0;
            }
        }
        return new EnqueuedFacts(queue ?? JobQueues.Of(job.Job), enqueuedAt);
    }

    /// <summary>A job's facts from the parameters that came with it, else the queue Hangfire's job knows and no time.</summary>
    public static EnqueuedFacts Of(BackgroundJob job) => TryRead(job, out var facts) ? facts : new EnqueuedFacts(JobQueues.Of(job.Job), null);

    /// <summary>The facts in the parameters that came with the job, or false when it came without them.</summary>
    public static bool TryRead(BackgroundJob job, out EnqueuedFacts facts)
    {
        facts = default;
        return job.ParametersSnapshot is { } parameters && parameters.TryGetValue(ParameterName, out var value) && TryParse(value, out facts);
    }

    /// <summary>The queue and the enqueue time, or false when the value is absent or not ours.</summary>
    public static bool TryParse(string? value, out EnqueuedFacts facts)
    {
        facts = default;
        var bar = value?.IndexOf('|') ?? -1;
        if (bar <= 0 || bar == value!.Length - 1 || bar > 18) return false;
        long ms = 0;
        for (var i = 0; i < bar; i++)
        {
            var digit = value[i] - '0';
            if (digit is < 0 or > 9) return false;
            ms = ms * 10 + digit;
        }
        facts = new EnqueuedFacts(QueueName(value.AsSpan(bar + 1)), ms / 1000.0);
        return true;
    }

    private static string QueueName(ReadOnlySpan<char> name)
    {
        var slot = name.Length % RecentQueues.Length;
        var recent = Volatile.Read(ref RecentQueues[slot]);
        if (recent is not null && name.SequenceEqual(recent.AsSpan())) return recent;
        var fresh = name.ToString();
        Volatile.Write(ref RecentQueues[slot], fresh);
        return fresh;
    }
}
