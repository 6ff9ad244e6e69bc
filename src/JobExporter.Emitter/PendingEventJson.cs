using System.Buffers;

namespace JobExporter.Emitter;

/// <summary>Writes a <see cref="PendingEvent"/> in its wire form with the contract's <see cref="EventUtf8Writer"/>.</summary>
internal static class PendingEventJson
{
    /// <summary>An inline job event from its fields, its id's number and its job id (text or number); any other as the event it holds.</summary>
    public static void Write(this EventUtf8Writer writer, IBufferWriter<byte> buffer, in PendingEvent e)
    {
        if (e.Event is { } held)
        {
            writer.Write(buffer, held);
            return;
        }
        if (!e.NumbersFit)
        {
            writer.Write(buffer, e.ToJobEvent());
            return;
        }
        writer.WriteJob(buffer, e.Type, e.System, e.Hostname, e.Name, e.Queue, e.Sequence, e.Ts, e.JobIdString,
            e.HasJobNumber ? e.JobNumber : null, e.Runtime, e.Wait, e.Exception);
    }
}
