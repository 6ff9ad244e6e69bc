using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;

namespace JobExporter.Transport.Http;

/// <summary>
/// Posts each batch to every exporter at once and finishes when every one has answered 200 (applied). An answer that
/// sending again cannot change (400: the body cannot be read, 413: too large; the exporter counts it under its reason)
/// also finishes it, as RabbitMQ confirms a message the exporter will reject. Any other answer, or none, fails the batch,
/// and the publisher sends it again. Each exporter's <see cref="ExporterDestination"/> keeps what it has not acknowledged.
/// </summary>
internal sealed class HttpEventConnection(HttpClient client, IReadOnlyList<ExporterDestination> exporters) : IEventConnection
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async ValueTask PublishAsync(string routingKey, ReadOnlyMemory<byte> body, int events, CancellationToken cancellationToken)
    {
        if (exporters.Count == 1)
        {
            await PostAsync(client, exporters[0], body, events, cancellationToken).ConfigureAwait(false);
            return;
        }
        var posts = new Task[exporters.Count];
        for (var i = 0; i < posts.Length; i++) posts[i] = PostAsync(client, exporters[i], body, events, cancellationToken);
        await Task.WhenAll(posts).ConfigureAwait(false);
    }

    /// <summary>Posts one body to one exporter; returns when it is acknowledged, throws when it is not.</summary>
    internal static async Task PostAsync(HttpClient client, ExporterDestination exporter, ReadOnlyMemory<byte> body, int events, CancellationToken cancellationToken)
    {
        exporter.Posting(events);
        var acknowledged = false;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, exporter.Endpoint.IngestUrl) { Content = Content(body) };
            request.Content.Headers.ContentType = Json;
            if (exporter.Endpoint.Authorization is { } authorization) request.Headers.Authorization = authorization;
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            acknowledged = response.IsSuccessStatusCode || response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge;
            if (!acknowledged) throw new HttpRequestException($"{exporter.Name} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        finally
        {
            exporter.Answered(events, acknowledged);
        }
    }

#if NETSTANDARD2_0
    private static ByteArrayContent Content(ReadOnlyMemory<byte> body) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body, out var segment)
            ? new ByteArrayContent(segment.Array!, segment.Offset, segment.Count)
            : new ByteArrayContent(body.ToArray());
#else
    private static ReadOnlyMemoryContent Content(ReadOnlyMemory<byte> body) => new(body);
#endif

    // The HttpClient is the transport's, shared by every connection.
    public ValueTask DisposeAsync() => default;
}
