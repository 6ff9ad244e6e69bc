using System.Net;
using JobExporter.Configuration;
using JobExporter.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JobExporter.Web;

/// <summary>The HTTP surface: the metrics page, health and readiness probes, and a landing page.</summary>
internal static class Endpoints
{
    /// <param name="ready">What /readyz waits for: each event source that is on (RabbitMQ, Celery on RabbitMQ or on Redis).</param>
    /// <param name="ingest">POST /api/v1/events when --web.enable-ingest is on, else null (and the path is 404 like any other).</param>
    public static void Map(WebApplication app, ExporterOptions options, ExporterMetrics metrics, IReadOnlyList<ReadinessCheck> ready,
        IngestEndpoint? ingest = null)
    {
        if (ingest is not null) app.MapPost(IngestEndpoint.Path, ingest.ServeAsync);
        var page = new MetricsPage(metrics);
        // Plain request delegates, not handlers with parameters: nothing is compiled at start-up for them.
        app.MapGet(options.TelemetryPath, page.ServeAsync);
        // Alive as long as the process serves HTTP: a broker outage is not a reason to restart the exporter.
        app.MapGet("/healthz", context => Text(context, StatusCodes.Status200OK, "ok\n"));
        // Asked of the consumers at each request: what they say is the live state of their connection, channel and consumer.
        app.MapGet("/readyz", context =>
            ready.FirstOrDefault(check => !check.IsReady()) is { } notReady
                ? Text(context, StatusCodes.Status503ServiceUnavailable, NotReady(notReady))
                : Text(context, StatusCodes.Status200OK, "ready\n"));
        var landing = LandingPage(options);
        app.MapGet("/", context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync(landing);
        });
    }

    private static string NotReady(ReadinessCheck check) =>
        check.Why() is { } why ? $"not ready: {check.What} ({why})\n" : $"not ready: {check.What}\n";

    private static Task Text(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text);
    }

    private static string LandingPage(ExporterOptions options)
    {
        var path = WebUtility.HtmlEncode(options.TelemetryPath);
        return $"""
            <!doctype html>
            <html><head><title>JobExporter</title></head>
            <body>
            <h1>JobExporter</h1>
            <p>Job and worker events from RabbitMQ exchange <code>{WebUtility.HtmlEncode(options.Exchange)}</code>, as Prometheus metrics.</p>
            <ul>
            <li><a href="{path}">{path}</a>: metrics</li>
            <li><a href="/healthz">/healthz</a>: process alive</li>
            <li><a href="/readyz">/readyz</a>: connected to the broker</li>
            </ul>
            </body></html>
            """;
    }
}
