using Microsoft.AspNetCore.Http;
using JobExporter.Metrics;

namespace JobExporter.Web;

/// <summary>
/// Serves the metrics page from buffers kept between scrapes. The page is rendered to memory first, because
/// prometheus-net holds its metric locks while it serialises, so writing straight to a slow or stalled client would
/// hold up every event that creates a series. A fresh buffer per scrape grew by doubling through the large object
/// heap (a 10 MiB page costs 30 MiB of allocations) and forced a full garbage collection at nearly every scrape;
/// a kept buffer is reused at its size. Each scrape has its own buffer while it writes (a stalled reader holds only
/// its own), and at most <see cref="KeptBuffers"/> are kept when scrapes overlap. Pages are rendered one at a time:
/// rendering is all CPU, so a crowd of scrapers rendering at once would only take the cores from event ingest.
/// </summary>
internal sealed class MetricsPage(ExporterMetrics metrics)
{
    private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>One Prometheus, or an HA pair, scraping at once.</summary>
    private const int KeptBuffers = 2;

    private readonly Stack<MemoryStream> _idle = new();
    private readonly SemaphoreSlim _rendering = new(1, 1);

    public async Task ServeAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        var buffer = Take();
        try
        {
            await _rendering.WaitAsync(aborted);
            try
            {
                await metrics.RenderAsync(buffer, aborted);
            }
            finally
            {
                _rendering.Release();
            }
            context.Response.ContentType = TextFormat;
            context.Response.ContentLength = buffer.Length;
            await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), aborted);
        }
        finally
        {
            Return(buffer);
        }
    }

    private MemoryStream Take()
    {
        lock (_idle)
        {
            if (_idle.TryPop(out var kept))
            {
                kept.SetLength(0);
                return kept;
            }
        }
        return new MemoryStream();
    }

    private void Return(MemoryStream buffer)
    {
        lock (_idle)
        {
            if (_idle.Count < KeptBuffers)
            {
                _idle.Push(buffer);
                return;
            }
        }
        buffer.Dispose();
    }
}
