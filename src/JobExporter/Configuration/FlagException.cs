namespace JobExporter.Configuration;

/// <summary>A flag that cannot be used; its message is the one line the user sees.</summary>
internal sealed class FlagException(string message) : Exception(message);
