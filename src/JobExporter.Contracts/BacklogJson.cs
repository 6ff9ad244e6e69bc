using System.Text.Json;

namespace JobExporter.Contracts;

/// <summary>
/// The wire form of a <see cref="BacklogSnapshot"/>: the <c>backlog</c> object of a <c>storage-backlog</c> event,
/// <c>{"queues":[{"queue":"default","length":4,"fetched":0,"oldest_age":1.5}],"jobs":{"enqueued":4},"servers":1}</c>,
/// written with the names in <see cref="BacklogFields"/>. The exporter reads it with <c>JobExporter.Events.BacklogParser</c>.
/// </summary>
internal static class BacklogJson
{
    public static void Write(Utf8JsonWriter writer, BacklogSnapshot backlog)
    {
        writer.WriteStartObject(WireFields.Backlog);
        writer.WriteStartArray(BacklogFields.Queues);
        foreach (var queue in backlog.Queues)
        {
            writer.WriteStartObject();
            writer.WriteString(BacklogFields.Queue, queue.Queue);
            writer.WriteNumber(BacklogFields.Length, queue.Length);
            if (queue.Fetched is { } fetched) writer.WriteNumber(BacklogFields.Fetched, fetched);
            if (queue.OldestAge is { } age) writer.WriteNumber(BacklogFields.OldestAge, age);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (backlog.Jobs is { } jobs)
        {
            writer.WriteStartObject(BacklogFields.Jobs);
            foreach (var state in jobs) writer.WriteNumber(state.Key, state.Value);
            writer.WriteEndObject();
        }
        if (backlog.Servers is { } servers) writer.WriteNumber(BacklogFields.Servers, servers);
        writer.WriteEndObject();
    }
}
