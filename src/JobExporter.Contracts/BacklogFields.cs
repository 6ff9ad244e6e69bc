namespace JobExporter.Contracts;

/// <summary>
/// The field names inside the <c>backlog</c> object of a <c>storage-backlog</c> event (<see cref="BacklogSnapshot"/>),
/// as UTF-8, defined here and nowhere else: <see cref="BacklogJson"/> writes them and the exporter's reader
/// (<c>JobExporter.Events.BacklogParser</c>) reads them. The event's own fields are in <see cref="WireFields"/>.
/// </summary>
internal static class BacklogFields
{
    public static ReadOnlySpan<byte> Queues => "queues"u8;
    public static ReadOnlySpan<byte> Jobs => "jobs"u8;
    public static ReadOnlySpan<byte> Servers => "servers"u8;

    /// <summary>The fields of one element of <see cref="Queues"/> (<see cref="BacklogQueue"/>).</summary>
    public static ReadOnlySpan<byte> Queue => "queue"u8;
    public static ReadOnlySpan<byte> Length => "length"u8;
    public static ReadOnlySpan<byte> Fetched => "fetched"u8;
    public static ReadOnlySpan<byte> OldestAge => "oldest_age"u8;
}
