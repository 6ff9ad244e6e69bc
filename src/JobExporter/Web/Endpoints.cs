using System.Net;
using JobExporter.Broker;
using JobExporter.Configuration;
using JobExporter.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JobExporter.Web;

/// <summary>The HTTP surface: the metrics page, health and readiness probes, and a landing page.</summary>
internal static class Endpoints
{
    private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(WebApplication app, ExporterOptions options, ExporterMetrics metrics, EventConsumer consumer)
    {
        app.MapGet(options.TelemetryPath, async context =>
        {
            // Render to memory first: prometheus-net holds its metric locks while it serialises, so writing
            // straight to a slow or stalled client would hold up every event that creates a series.
            using var page = new MemoryStream();
            await metrics.RenderAsync(page, context.RequestAborted);
            context.Response.ContentType = TextFormat;
            context.Response.ContentLength = page.Length;
            page.Position = 0;
            await page.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        // Alive as long as the process serves HTTP: a broker outage is not a reason to restart the exporter.
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => consumer.IsConnected
            ? Results.Text("ready\n")
            : Results.Text("not ready: not connected to the broker\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/", () => Results.Content(LandingPage(options), "text/html; charset=utf-8"));
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
