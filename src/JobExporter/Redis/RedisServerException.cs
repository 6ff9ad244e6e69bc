namespace JobExporter.Redis;

/// <summary>Redis answered a command with an error (<c>-WRONGPASS ...</c>, <c>-ERR DB index is out of range</c>).</summary>
internal sealed class RedisServerException(string command, string error) : IOException($"Redis refused {command}: {error}");
