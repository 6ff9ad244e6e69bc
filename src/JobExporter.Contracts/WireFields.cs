namespace JobExporter.Contracts;

/// <summary>
/// The name of every field of an event object on the wire, as UTF-8, defined here and nowhere else: the writers
/// (<see cref="EventJson"/>, <see cref="EventUtf8Writer"/>) and the exporter's reader (<c>JobExporter.Events.EventParser</c>)
/// all use these. The fields inside <see cref="Backlog"/> are in <see cref="BacklogFields"/>. The event table of
/// docs/event-format.md documents the same names; a new field is added here, to <see cref="JobEvent"/>, and to both sides.
/// </summary>
internal static class WireFields
{
    public static ReadOnlySpan<byte> V => "v"u8;
    public static ReadOnlySpan<byte> Type => "type"u8;
    public static ReadOnlySpan<byte> Id => "id"u8;
    public static ReadOnlySpan<byte> Ts => "ts"u8;
    public static ReadOnlySpan<byte> System => "system"u8;
    public static ReadOnlySpan<byte> Hostname => "hostname"u8;
    public static ReadOnlySpan<byte> Name => "name"u8;
    public static ReadOnlySpan<byte> Queue => "queue"u8;
    public static ReadOnlySpan<byte> JobId => "job_id"u8;
    public static ReadOnlySpan<byte> Runtime => "runtime"u8;
    public static ReadOnlySpan<byte> Wait => "wait"u8;
    public static ReadOnlySpan<byte> Exception => "exception"u8;
    public static ReadOnlySpan<byte> Active => "active"u8;
    public static ReadOnlySpan<byte> Interval => "interval"u8;
    public static ReadOnlySpan<byte> Dropped => "dropped"u8;
    public static ReadOnlySpan<byte> PublishFailures => "publish_failures"u8;
    public static ReadOnlySpan<byte> BacklogFailures => "backlog_failures"u8;

    /// <summary>The <see cref="BacklogSnapshot"/> object of a <c>storage-backlog</c> event.</summary>
    public static ReadOnlySpan<byte> Backlog => "backlog"u8;
}
