namespace JobExporter.Jsonnet;

/// <summary>
/// An evaluation failed. <see cref="Exception.Message"/> is jsonnet's own text: the error, then the stack
/// trace with <c>file:line:column</c> of each frame.
/// </summary>
public sealed class JsonnetException(string message) : Exception(message);
