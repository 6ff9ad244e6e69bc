namespace JobExporter.Hangfire.Backlog;

/// <summary>
/// Waits driven by a <see cref="TimeProvider"/> timer, the same on every target framework: netstandard2.0 has neither
/// <c>PeriodicTimer</c> nor <c>Task.Delay</c> with a <see cref="TimeProvider"/>, and tests drive the reporter with a fake clock.
/// </summary>
internal static class TimerWaits
{
    /// <summary>A task that completes once <paramref name="delay"/> has passed on <paramref name="time"/>, or is cancelled.</summary>
    public static Task After(TimeProvider time, TimeSpan delay, CancellationToken cancel)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var timer = time.CreateTimer(static state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), done, delay, Timeout.InfiniteTimeSpan);
        var registration = cancel.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetCanceled(), done);
        done.Task.ContinueWith(_ =>
        {
            timer.Dispose();
            registration.Dispose();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return done.Task;
    }
}

/// <summary>
/// Ticks every interval, as <c>PeriodicTimer</c> does: ticks missed while nobody waits collapse into one, so a slow
/// round is followed by one prompt round, never by a burst.
/// </summary>
internal sealed class Ticker : IDisposable
{
    private readonly SemaphoreSlim _tick = new(0, 1);
    private readonly ITimer _timer;

    public Ticker(TimeProvider time, TimeSpan interval) =>
        _timer = time.CreateTimer(static state => ((Ticker)state!).Tick(), this, interval, interval);

    /// <summary>True at the next tick (at once if one came since the last wait); throws when cancelled.</summary>
    public async Task<bool> WaitForNextTickAsync(CancellationToken cancel)
    {
        await _tick.WaitAsync(cancel).ConfigureAwait(false);
        return true;
    }

    public void Dispose()
    {
        _timer.Dispose();
        _tick.Dispose();
    }

    private void Tick()
    {
        try
        {
            if (_tick.CurrentCount == 0) _tick.Release();
        }
        catch (SemaphoreFullException)
        {
            // A tick already waits: missed ticks collapse into one.
        }
        catch (ObjectDisposedException)
        {
            // The timer fired while being disposed.
        }
    }
}
