namespace JobExporter.Redis;

/// <summary>The kinds of RESP2 reply the exporter reads.</summary>
internal enum RespKind
{
    SimpleString,
    Error,
    Integer,
    BulkString,

    /// <summary>A bulk string longer than the reader's limit: skipped, only its length is known.</summary>
    TooLarge,

    /// <summary>A null bulk string or null array (<c>$-1</c>, <c>*-1</c>).</summary>
    Null,
    Array,
}

/// <summary>One RESP2 reply. A simple string or error has <see cref="Text"/>, a bulk string <see cref="Bytes"/>, an array <see cref="Items"/>.</summary>
internal sealed record RespValue(RespKind Kind, string? Text = null, long Integer = 0, byte[]? Bytes = null, RespValue[]? Items = null)
{
    public static readonly RespValue NullValue = new(RespKind.Null);

    /// <summary>A simple or bulk string as text (bulk strings are ASCII or UTF-8 here: command names, channels), else null.</summary>
    public string? AsText() => Kind switch
    {
        RespKind.SimpleString or RespKind.Error => Text,
        RespKind.BulkString => System.Text.Encoding.UTF8.GetString(Bytes!),
        _ => null,
    };

    public override string ToString() => Kind switch
    {
        RespKind.Array => $"[{string.Join(", ", Items!.Select(i => i.ToString()))}]",
        RespKind.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RespKind.BulkString => Bytes!.Length <= 64 ? $"\"{AsText()}\"" : $"<{Bytes.Length} bytes>",
        RespKind.TooLarge => $"<{Integer} bytes, skipped>",
        RespKind.Null => "nil",
        _ => Text ?? "",
    };
}
