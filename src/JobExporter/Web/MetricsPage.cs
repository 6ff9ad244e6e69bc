using Microsoft.AspNetCore.Http;
using JobExporter.Metrics;

namespace JobExporter.Web;

/// <summary>
/// Serves the metrics page from shared, rendered copies. The page is rendered to memory first, because prometheus-net
/// holds its metric locks while it serialises, so writing straight to a slow or stalled client would hold up every
/// event that creates a series. A copy is rendered once and read by every scrape that arrives while it renders, or
/// while others still read it and it is younger than <see cref="FreshFor"/>, so a crowd costs one render. A copy is
/// not kept for scrapes that come after its last reader left: a scrape that starts after another finished sees every
/// event that one saw; renders never run two at once (rendering is all
/// CPU, taken from event ingest).
/// <para>
/// Slow readers cost pages, not a page each: at most <see cref="MaxCopies"/> copies are alive. When a scrape needs a
/// new copy and that many are alive, the readers of the oldest are cut off: they have been reading for longer than
/// <see cref="FreshFor"/> while newer copies were made, which no Prometheus does (it reads a page in a fraction of
/// its scrape interval). Any reader is cut off after <see cref="ResponseDeadline"/>. A copy is kept in 64 KiB chunks,
/// below the large object heap, so that the collector compacts and frees it once its last reader is gone; the
/// chunks of the last finished copy are reused by the next render.
/// </para>
/// </summary>
internal sealed class MetricsPage(ExporterMetrics metrics, TimeProvider? time = null)
{
    private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>An HA pair of Prometheus servers and one more reader at different moments.</summary>
    public const int MaxCopies = 3;

    /// <summary>How long a finished copy that is still being read is served to new scrapes: scrapers that come together share it.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    /// <summary>Longest a scrape may take, render included: above any Prometheus scrape timeout.</summary>
    public static readonly TimeSpan ResponseDeadline = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _sync = new();
    private readonly List<PageCopy> _alive = [];
    private List<byte[]>? _spareChunks;

    public async Task ServeAsync(HttpContext context)
    {
        var (page, rendersIt) = Join();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, page.CutOff.Token);
        deadline.CancelAfter(ResponseDeadline);
        try
        {
            if (rendersIt) _ = RenderAsync(page);
            var length = await page.Ready.Task.WaitAsync(deadline.Token);
            context.Response.ContentType = TextFormat;
            context.Response.ContentLength = length;
            var left = length;
            foreach (var chunk in page.Chunks!)
            {
                if (left == 0) break;
                var part = (int)Math.Min(chunk.Length, left);
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, part), deadline.Token);
                left -= part;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            context.Abort();
        }
        finally
        {
            Leave(page);
        }
    }

    /// <summary>The copy this scrape reads: the one rendering now, a fresh one, or a new one.</summary>
    private (PageCopy Page, bool RendersIt) Join()
    {
        List<PageCopy> cutOff = [];
        PageCopy? page;
        var rendersIt = false;
        lock (_sync)
        {
            page = _alive.Find(p => !p.Ready.Task.IsCompleted);
            if (page is null && _alive.Count > 0 && _time.GetElapsedTime(_alive[^1].RenderedAt) < FreshFor) page = _alive[^1];
            if (page is null)
            {
                page = new PageCopy();
                _alive.Add(page);
                rendersIt = true;
                while (_alive.Count > MaxCopies)
                {
                    cutOff.Add(_alive[0]);
                    _alive.RemoveAt(0);
                }
            }
            page.Readers++;
        }
        // Outside the lock: cancelling runs the readers' callbacks.
        foreach (var old in cutOff) old.CutOff.Cancel();
        return (page, rendersIt);
    }

    private void Leave(PageCopy page)
    {
        lock (_sync)
        {
            page.Readers--;
            if (page.Ready.Task.IsCompleted) Retire(page);
        }
    }

    // Not tied to the scrape that started it: others read the same copy.
    private async Task RenderAsync(PageCopy page)
    {
        List<byte[]>? spare;
        lock (_sync)
        {
            spare = _spareChunks;
            _spareChunks = null;
        }
        var stream = new ChunkedStream(spare ?? []);
        page.Chunks = stream.Chunks;
        try
        {
            await metrics.RenderAsync(stream, CancellationToken.None);
            page.RenderedAt = _time.GetTimestamp();
            page.Ready.SetResult(stream.Length);
        }
        catch (Exception ex)
        {
            page.Ready.SetException(ex);
        }
        lock (_sync) Retire(page);
    }

    // Caller holds _sync. A finished copy nobody reads is dropped, its chunks kept for the next render if none are.
    private void Retire(PageCopy page)
    {
        if (page.Readers > 0 || !_alive.Remove(page)) return;
        if (page.Chunks is { } chunks) _spareChunks ??= chunks;
        page.Chunks = null;
        page.CutOff.Dispose();
    }

    private sealed class PageCopy
    {
        public TaskCompletionSource<long> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenSource CutOff { get; } = new();
        public int Readers;
        public long RenderedAt;
        public List<byte[]>? Chunks;
    }
}
