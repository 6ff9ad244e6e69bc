using System.Diagnostics;

namespace JobExporter.MassTransit.Tests;

/// <summary>Waits for a condition with a deadline, never for a fixed time.</summary>
internal static class Waiting
{
    public static Task UntilAsync(Func<bool> condition, string what, Func<string>? detail = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, detail: detail);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"Timed out after {limit} waiting for {what}.\n{detail?.Invoke()}");
            await Task.Delay(50);
        }
    }
}
