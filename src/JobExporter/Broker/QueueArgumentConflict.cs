using System.Text.RegularExpressions;
using JobExporter.Configuration;
using RabbitMQ.Client.Exceptions;

namespace JobExporter.Broker;

/// <summary>
/// RabbitMQ refuses to declare a queue that exists with other arguments (<c>PRECONDITION_FAILED - inequivalent arg
/// 'x-max-length'</c>), and a queue's arguments never change: a changed --broker.queue-max-length, --broker.queue-expires
/// or --broker.queue-type fails until someone acts. This turns the refusal into what to do.
/// </summary>
internal static partial class QueueArgumentConflict
{
    private const ushort PreconditionFailed = 406;

    /// <summary>The flag that sets each argument the exporter declares its queues with.</summary>
    private static readonly Dictionary<string, Flag> FlagOf = new(StringComparer.Ordinal)
    {
        ["x-max-length"] = Flags.BrokerQueueMaxLength,
        ["x-expires"] = Flags.BrokerQueueExpires,
        ["x-queue-type"] = Flags.BrokerQueueType,
    };

    /// <summary>The argument named by a refused queue declaration, or null when <paramref name="error"/> is something else.</summary>
    public static string? ArgumentOf(Exception error) =>
        error is OperationInterruptedException { ShutdownReason: { ReplyCode: PreconditionFailed } reason }
        && InequivalentArg().Match(reason.ReplyText) is { Success: true } match
            ? match.Groups[1].Value
            : null;

    /// <summary>One line saying what differs and the ways out, for the log.</summary>
    public static string Explain(string argument, string queue, Flag queueFlag, string brokerSaid)
    {
        var flag = FlagOf.TryGetValue(argument, out var f) ? $"--{f.Name}" : "the flag that sets it";
        return $"it exists with another {argument} than this exporter declares, and RabbitMQ never changes a queue's arguments " +
               $"(the broker said: {brokerSaid}). Set {flag} back to the queue's value, or delete the queue " +
               $"(rabbitmqctl delete_queue {queue}; the messages waiting in it are lost) and the exporter declares it anew, " +
               $"or consume another queue (--{queueFlag.Name}). Retrying with backoff; /readyz answers 503 until then";
    }

    [GeneratedRegex("inequivalent arg '([^']+)'")]
    private static partial Regex InequivalentArg();
}
