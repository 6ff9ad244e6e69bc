namespace JobExporter.Metrics;

/// <summary>
/// Keeps a scrape from seeing half of a background poll. Scrapes read together; a poll's values are written
/// alone, between scrapes. Writing a poll takes microseconds, so neither side waits long. Async-safe: a scrape
/// may resume on another thread, which rules out <see cref="ReaderWriterLockSlim"/>.
/// </summary>
internal sealed class ScrapeGate
{
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly object _sync = new();
    private int _scrapes;
    private TaskCompletionSource _noScrapes = CompletedSource();

    /// <summary>Holds back writes until the returned scope is disposed; waits for a write in progress first.</summary>
    public async Task<IDisposable> EnterScrapeAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            lock (_sync)
            {
                if (_scrapes++ == 0) _noScrapes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        finally
        {
            _writer.Release();
        }
        return new ScrapeScope(this);
    }

    /// <summary>Runs <paramref name="write"/> once no scrape is reading; scrapes that arrive meanwhile wait for it.</summary>
    public async Task WriteAsync(Action write, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            Task drained;
            lock (_sync) drained = _noScrapes.Task;
            await drained.WaitAsync(cancellationToken);
            write();
        }
        finally
        {
            _writer.Release();
        }
    }

    private void LeaveScrape()
    {
        lock (_sync)
        {
            if (--_scrapes == 0) _noScrapes.TrySetResult();
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    private sealed class ScrapeScope(ScrapeGate gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) gate.LeaveScrape();
        }
    }
}
