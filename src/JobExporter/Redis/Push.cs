namespace JobExporter.Redis;

/// <summary>What a subscriber's push is, as <see cref="RespReader.ReadPush"/> tells it.</summary>
internal enum PushKind
{
    /// <summary>A <c>pmessage</c>: pattern, channel and payload.</summary>
    Message,

    /// <summary>The answer to a PING in pub/sub mode (<c>["pong", ""]</c>).</summary>
    Pong,

    /// <summary>An error reply; its text in <see cref="Push.Text"/>.</summary>
    Error,

    /// <summary>Anything else (a subscription's confirmation, a reply of another shape): read whole and passed over.</summary>
    Other,
}

/// <summary>
/// One push read by <see cref="RespReader.ReadPush"/>. A message's payload is <see cref="Data"/>, a span into the reader's
/// buffer that is valid until its next read; a payload past the reader's limit is skipped (<see cref="TooLarge"/>, with its
/// <see cref="Length"/>), and a payload that is not a bulk string is <see cref="NotBulk"/>.
/// </summary>
internal readonly ref struct Push(PushKind Kind, ReadOnlySpan<byte> Data = default, long Length = 0, bool TooLarge = false, bool NotBulk = false, string? Text = null)
{
    public PushKind Kind { get; } = Kind;
    public ReadOnlySpan<byte> Data { get; } = Data;
    public long Length { get; } = Length;
    public bool TooLarge { get; } = TooLarge;
    public bool NotBulk { get; } = NotBulk;
    public string? Text { get; } = Text;
}
