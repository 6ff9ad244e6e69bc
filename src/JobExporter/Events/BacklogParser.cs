using System.Text.Json;
using JobExporter.Contracts;
using static JobExporter.Contracts.JsonValues;

namespace JobExporter.Events;

/// <summary>
/// Reads the <c>backlog</c> object of a <c>storage-backlog</c> event (<see cref="BacklogSnapshot"/>, written by the
/// emitters' <see cref="BacklogJson"/>, field names in <see cref="BacklogFields"/>). Never throws: a bad value or a
/// snapshot past its bounds gives a rejection reason.
/// </summary>
internal static class BacklogParser
{
    /// <summary>Reads the object the reader is on, leaving it on the object's end; null and a reason when it is bad.</summary>
    public static BacklogSnapshot? Read(ref Utf8JsonReader reader, out string? rejection)
    {
        rejection = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            rejection = InvalidReasons.WrongType;
            reader.Skip();
            return null;
        }
        List<BacklogQueue>? queues = null;
        Dictionary<string, long>? jobs = null;
        int? servers = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(BacklogFields.Queues))
            {
                reader.Read();
                queues = ReadQueues(ref reader, ref rejection);
            }
            else if (reader.ValueTextEquals(BacklogFields.Jobs))
            {
                reader.Read();
                jobs = ReadJobs(ref reader, ref rejection);
            }
            else if (reader.ValueTextEquals(BacklogFields.Servers))
            {
                reader.Read();
                if (!TryInt(ref reader, out servers)) rejection ??= InvalidReasons.WrongType;
                else if (!EventBounds.IsCount(servers)) rejection ??= InvalidReasons.InvalidValue;
                SkipContainer(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (rejection is null && queues is null) rejection = InvalidReasons.MissingField;
        return rejection is null ? new BacklogSnapshot { Queues = queues!, Jobs = jobs, Servers = servers } : null;
    }

    private static List<BacklogQueue>? ReadQueues(ref Utf8JsonReader reader, ref string? rejection)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            rejection ??= InvalidReasons.WrongType;
            reader.Skip();
            return null;
        }
        var queues = new List<BacklogQueue>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (queues.Count >= BacklogSnapshot.MaxQueues) rejection ??= InvalidReasons.InvalidValue;
            if (rejection is null && ReadQueue(ref reader, ref rejection) is { } queue) queues.Add(queue);
            else reader.Skip();
        }
        return queues;
    }

    private static BacklogQueue? ReadQueue(ref Utf8JsonReader reader, ref string? rejection)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            rejection ??= InvalidReasons.WrongType;
            return null;
        }
        string? name = null;
        long? length = null, fetched = null;
        double? age = null;
        var ok = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals(BacklogFields.Queue) ? 1 : reader.ValueTextEquals(BacklogFields.Length) ? 2
                : reader.ValueTextEquals(BacklogFields.Fetched) ? 3 : reader.ValueTextEquals(BacklogFields.OldestAge) ? 4 : 0;
            reader.Read();
            ok &= field switch
            {
                1 => TryString(ref reader, out name),
                2 => TryLong(ref reader, out length),
                3 => TryLong(ref reader, out fetched),
                4 => TryNumber(ref reader, out age),
                _ => Skipped(ref reader),
            };
            SkipContainer(ref reader);
        }
        if (!ok) rejection ??= InvalidReasons.WrongType;
        else if (string.IsNullOrEmpty(name) || length is null) rejection ??= InvalidReasons.MissingField;
        else if (!EventBounds.IsCount(length) || !EventBounds.IsCount(fetched) || !EventBounds.IsDuration(age)) rejection ??= InvalidReasons.InvalidValue;
        return rejection is null ? new BacklogQueue(name!, length!.Value, fetched, age) : null;
    }

    private static Dictionary<string, long>? ReadJobs(ref Utf8JsonReader reader, ref string? rejection)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            rejection ??= InvalidReasons.WrongType;
            reader.Skip();
            return null;
        }
        var jobs = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string? state = null;
            try
            {
                state = reader.GetString();
            }
            catch (InvalidOperationException)
            {
                // An escaped lone surrogate is valid JSON but no valid string.
                rejection ??= InvalidReasons.WrongType;
            }
            reader.Read();
            if (!TryLong(ref reader, out var count)) rejection ??= InvalidReasons.WrongType;
            else if (!EventBounds.IsCount(count) || jobs.Count >= BacklogSnapshot.MaxStates) rejection ??= InvalidReasons.InvalidValue;
            else if (state is not null) jobs[state] = count!.Value;
            SkipContainer(ref reader);
        }
        return jobs;
    }

    // A value of the wrong type may be an object or array: skipped whole, so that reading goes on after it.
    private static void SkipContainer(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
    }

    private static bool Skipped(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return true;
    }
}
