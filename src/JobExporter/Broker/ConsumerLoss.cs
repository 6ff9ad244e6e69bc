namespace JobExporter.Broker;

/// <summary>Why a consumer of one of the exporter's queues stopped consuming.</summary>
internal enum LossReason
{
    /// <summary>The connection or the channel closed: a broker restart, the network, a forced close.</summary>
    ConnectionLost,

    /// <summary>The broker no longer delivers to the consumer: the queue was deleted or expired, or the consumer is gone.</summary>
    ConsumerCancelled,

    /// <summary>The connection looks open but the broker stopped answering: it dropped a connection that went silent.</summary>
    Unresponsive,
}

/// <summary>One loss: its reason and what the broker or the check said, for the log.</summary>
internal sealed record ConsumerLoss(LossReason Reason, string Detail)
{
    /// <summary>Every reason's label value of <c>exporter_broker_recoveries_total</c>.</summary>
    public static readonly IReadOnlyList<LossReason> All = Enum.GetValues<LossReason>();

    public static string Label(LossReason reason) => reason switch
    {
        LossReason.ConnectionLost => "connection_lost",
        LossReason.ConsumerCancelled => "consumer_cancelled",
        LossReason.Unresponsive => "unresponsive",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
