namespace JobExporter.Jsonnet;

/// <summary>libjsonnet.so.0 could not be loaded; the message says which Debian package provides it.</summary>
public sealed class JsonnetLibraryMissingException(string message, Exception? inner = null) : Exception(message, inner);
