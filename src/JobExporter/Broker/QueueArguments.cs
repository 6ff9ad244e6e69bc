using JobExporter.Configuration;

namespace JobExporter.Broker;

/// <summary>
/// The x-arguments the exporter declares its queues with. Both types get x-max-length (the oldest events go first:
/// drop-head, the default overflow of both types) and x-expires. A quorum queue also gets x-queue-type; it is always
/// durable and never exclusive, which is how the exporter declares every queue anyway. The arguments a quorum queue
/// refuses (x-max-priority, x-queue-mode, x-queue-master-locator, x-overflow reject-publish-dlx) are never sent.
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
