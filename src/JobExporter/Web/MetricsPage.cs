using Microsoft.AspNetCore.Http;
using Prometheus;

namespace JobExporter.Web;

/// <summary>
/// Serves the metrics page from one buffer kept between scrapes. The page is rendered to memory first, because
/// prometheus-net holds its metric locks while it serialises, so writing straight to a slow or stalled client would
/// hold up every event that creates a series. A fresh buffer per scrape grew by doubling through the large object
/// heap (a 10 MiB page costs 30 MiB of allocations) and forced a full garbage collection at nearly every scrape;
/// the kept buffer is reused at its size, and scrapes take turns with it.
/// </summary>
internal sealed class MetricsPage(CollectorRegistry registry) : IDisposable
{
    private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly MemoryStream _buffer = new();

    public async Task ServeAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        await _turn.WaitAsync(aborted);
        try
        {
            _buffer.SetLength(0);
            await registry.CollectAndExportAsTextAsync(_buffer, aborted);
            context.Response.ContentType = TextFormat;
            context.Response.ContentLength = _buffer.Length;
            await context.Response.Body.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), aborted);
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Dispose()
    {
        _turn.Dispose();
        _buffer.Dispose();
    }
}
