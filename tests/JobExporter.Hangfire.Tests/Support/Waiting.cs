using System.Diagnostics;

namespace JobExporter.Hangfire.Tests.Support;

/// <summary>Waits for a condition with a deadline, polling briefly: tests never sleep a fixed time.</summary>
internal static class Waiting
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit) Assert.Fail($"Timed out after {limit} waiting for {what}.\n{detail?.Invoke()}");
            await Task.Delay(50);
        }
    }
}
