using System.Diagnostics;

namespace JobExporter.Testing;

/// <summary>Waits for a condition with a deadline, polling briefly: tests never sleep a fixed time.</summary>
public static class Waiting
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(50);

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null, TimeSpan? poll = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout, detail, poll);

    /// <summary>Fails with a <see cref="TimeoutException"/> naming <paramref name="what"/> and <paramref name="detail"/> after the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null, TimeSpan? poll = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"Timed out after {limit} waiting for {what}.\n{detail?.Invoke()}");
            await Task.Delay(poll ?? DefaultPoll);
        }
    }
}
