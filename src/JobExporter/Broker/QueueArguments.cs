using JobExporter.Configuration;

namespace JobExporter.Broker;

/// <summary>
/// The x-arguments the exporter declares its queues with. Both types get x-max-length, with the default overflow
/// (drop-head: the oldest events go first) and x-expires. A quorum queue also gets x-queue-type. What a quorum queue
/// refuses (RabbitMQ 3.10.8, checked by declaring each: non-durable, exclusive, x-max-priority, x-queue-mode,
/// x-queue-master-locator) the exporter never sends to any queue: its queues are durable and not exclusive.
/// </summary>
internal static class QueueArguments
{
    public static Dictionary<string, object?> For(ExporterOptions options)
    {
        var arguments = new Dictionary<string, object?>
        {
            ["x-max-length"] = options.QueueMaxLength,
            ["x-expires"] = (long)options.QueueExpires.TotalMilliseconds,
        };
        // Classic queues are declared without x-queue-type, as before it existed: a queue declared by an older
        // exporter (or RabbitMQ < 3.8) then stays equivalent.
        if (options.QueueType == QueueType.Quorum) arguments["x-queue-type"] = QueueType.Quorum.Name();
        return arguments;
    }
}
