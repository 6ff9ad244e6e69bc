using System.Net;
using System.Net.Http.Headers;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Ingest;

/// <summary>The real exporter with --web.enable-ingest and no broker, and posting batches to it as an emitter would.</summary>
internal static class IngestClient
{
    public const string Path = "api/v1/events";

    public static Task<ExporterProcess> StartExporterAsync(params string[] args) => IngestExporter.StartAsync(args);

    public static Task<HttpResponseMessage> PostAsync(HttpClient http, Uri baseUrl, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return http.PostAsync(new Uri(baseUrl, Path), content);
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient http, Uri baseUrl, IEnumerable<JobEvent> batch) =>
        PostAsync(http, baseUrl, EventJson.SerializeBatch(batch));

    /// <summary>Posts until the exporter takes the batch, waiting as its 503's Retry-After says: what a sender does when it is busy.</summary>
    public static async Task<HttpResponseMessage> PostUntilTakenAsync(HttpClient http, Uri baseUrl, byte[] body)
    {
        while (true)
        {
            var response = await PostAsync(http, baseUrl, body);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable) return response;
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }
    }
}
