namespace JobExporter.Configuration;

/// <summary>The RabbitMQ queue types the exporter can declare its queues as (--broker.queue-type).</summary>
internal enum QueueType
{
    /// <summary>A queue on one node: the default, and what every RabbitMQ version has.</summary>
    Classic,

    /// <summary>A Raft-replicated queue on several nodes of a cluster (RabbitMQ 3.8+): it survives losing a minority of them.</summary>
    Quorum,
}

/// <summary>The flag spellings of <see cref="QueueType"/>, which are also RabbitMQ's <c>x-queue-type</c> values.</summary>
internal static class QueueTypes
{
    public static readonly string[] Names = ["classic", "quorum"];

    public static QueueType Parse(string name) => name == "quorum" ? QueueType.Quorum : QueueType.Classic;

    public static string Name(this QueueType type) => type == QueueType.Quorum ? "quorum" : "classic";
}
