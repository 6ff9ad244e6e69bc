using Microsoft.AspNetCore.Http;
using JobExporter.Metrics;

namespace JobExporter.Web;

/// <summary>
/// Serves the metrics page from shared, rendered copies. The page is rendered to memory first, because prometheus-net
/// holds its metric locks while it serialises, so writing straight to a slow or stalled client would hold up every
/// event that creates a series. A copy is rendered once and read by every scrape that arrives while it renders, so a
/// crowd costs one render, and renders never run two at once (rendering is all CPU, taken from event ingest).
/// <para>
/// Slow readers cost pages, not a page each: at most <see cref="MaxPages"/> copies are alive (rendering or being
/// read); a scrape that finds that many joins the newest. A reader that has not taken its page within
/// <see cref="ResponseDeadline"/> is disconnected, so a stalled one neither holds memory nor keeps others on an old
/// page for longer. A copy is kept in 64 KiB chunks, below the large object heap, so that the collector compacts
/// and frees it once its last reader is gone; the chunks of the last finished copy are reused by the next render.
/// </para>
/// </summary>
internal sealed class MetricsPage(ExporterMetrics metrics)
{
    private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>One Prometheus, or an HA pair, reading at once; more readers share the newest copy.</summary>
    public const int MaxPages = 2;

    /// <summary>Longest a scrape may take, render included: above any Prometheus scrape timeout.</summary>
    public static readonly TimeSpan ResponseDeadline = TimeSpan.FromSeconds(60);

    private readonly Lock _sync = new();
    private readonly List<PageCopy> _alive = [];
    private List<byte[]>? _spareChunks;

    public async Task ServeAsync(HttpContext context)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(ResponseDeadline);
        var page = Join(out var rendersIt);
        try
        {
            if (rendersIt) _ = RenderAsync(page);
            var (chunks, length) = await page.Ready.Task.WaitAsync(deadline.Token);
            context.Response.ContentType = TextFormat;
            context.Response.ContentLength = length;
            var left = length;
            foreach (var chunk in chunks)
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

    /// <summary>The copy this scrape reads: the one rendering now, a new one, or the newest when enough are alive.</summary>
    private PageCopy Join(out bool rendersIt)
    {
        lock (_sync)
        {
            rendersIt = false;
            var page = _alive.Find(p => !p.Ready.Task.IsCompleted);
            if (page is null && _alive.Count >= MaxPages) page = _alive[^1];
            if (page is null)
            {
                page = new PageCopy();
                _alive.Add(page);
                rendersIt = true;
            }
            page.Readers++;
            return page;
        }
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
            page.Ready.SetResult((stream.Chunks, stream.Length));
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
    }

    private sealed class PageCopy
    {
        public TaskCompletionSource<(List<byte[]> Chunks, long Length)> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Readers;
        public List<byte[]>? Chunks;
    }
}
