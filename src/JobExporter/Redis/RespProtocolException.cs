namespace JobExporter.Redis;

/// <summary>The server sent something that is not RESP2 (or not the subset the exporter reads): the connection cannot go on.</summary>
internal sealed class RespProtocolException(string message) : IOException(message);
