using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;

namespace JobExporter.Transport.Http;

/// <summary>
/// Posts each batch to every exporter at once and finishes when every one has answered 200 (applied). An answer that
/// sending again cannot change (400: the body cannot be read, 413: too large; the exporter counts it under its reason)
/// also finishes it, as RabbitMQ confirms a message the exporter will reject. Any other answer, or none, fails the batch,
/// and the publisher sends it again.
/// </summary>
internal sealed class HttpEventConnection(HttpClient client, IReadOnlyList<ExporterEndpoint> exporters) : IEventConnection
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async ValueTask PublishAsync(string routingKey, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (exporters.Count == 1)
        {
            await PostAsync(exporters[0], body, cancellationToken).ConfigureAwait(false);
            return;
        }
        var posts = new Task[exporters.Count];
        for (var i = 0; i < posts.Length; i++) posts[i] = PostAsync(exporters[i], body, cancellationToken);
        await Task.WhenAll(posts).ConfigureAwait(false);
    }

    private async Task PostAsync(ExporterEndpoint exporter, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, exporter.IngestUrl) { Content = Content(body) };
        request.Content.Headers.ContentType = Json;
        if (exporter.Authorization is { } authorization) request.Headers.Authorization = authorization;
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode || response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge) return;
        throw new HttpRequestException($"{exporter.Redacted} answered {(int)response.StatusCode} {response.ReasonPhrase}");
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
