using JobExporter.Broker;
using JobExporter.Configuration;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace JobExporter.Tests.Broker;

public class QueueArgumentConflictTests
{
    private static OperationInterruptedException Refusal(ushort code, string text) => new(new ShutdownEventArgs(ShutdownInitiator.Peer, code, text));

    [Test]
    public void RabbitMQs_refusal_of_an_inequivalent_argument_names_the_argument()
    {
        var refusal = Refusal(406, "PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue 'jobexporter.web-1' in vhost '/': received '100' but current is '1000000'");
        Assert.That(QueueArgumentConflict.ArgumentOf(refusal), Is.EqualTo("x-max-length"));
    }

    [Test]
    public void Other_failures_are_not_conflicts()
    {
        Assert.That(QueueArgumentConflict.ArgumentOf(Refusal(406, "PRECONDITION_FAILED - unknown delivery tag 1")), Is.Null);
        Assert.That(QueueArgumentConflict.ArgumentOf(Refusal(404, "NOT_FOUND - no queue 'q'")), Is.Null);
        Assert.That(QueueArgumentConflict.ArgumentOf(new IOException("connection reset")), Is.Null);
    }

    [TestCase("x-max-length", "--broker.queue-max-length")]
    [TestCase("x-expires", "--broker.queue-expires")]
    [TestCase("x-queue-type", "--broker.queue-type")]
    public void The_explanation_names_the_flag_the_command_and_the_queue_flag(string argument, string flag)
    {
        var line = QueueArgumentConflict.Explain(argument, "jobexporter.celery.web-1", Flags.CeleryQueue, "PRECONDITION_FAILED");
        Assert.That(line, Does.Contain(flag).And.Contain("rabbitmqctl delete_queue jobexporter.celery.web-1").And.Contain("--celery.queue"));
    }
}
