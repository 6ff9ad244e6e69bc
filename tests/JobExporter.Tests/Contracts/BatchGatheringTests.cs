using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

public class BatchGatheringTests
{
    [TestCase(0, 1, true)]
    [TestCase(999, 1, true)]
    [TestCase(1000, 1, false)]
    [TestCase(1000, 3, true)]
    [TestCase(2999, 3, true)]
    [TestCase(3000, 3, false)]
    public void Events_gather_until_every_routing_key_of_the_last_round_has_a_full_message(int buffered, int routingKeys, bool gathers)
    {
        Assert.That(BatchGathering.ShouldGather(buffered, maxBatchSize: 1000, routingKeys, bufferCapacity: 10_000), Is.EqualTo(gathers));
    }

    [Test]
    public void Before_the_first_round_one_full_message_is_enough()
    {
        Assert.That(BatchGathering.ShouldGather(999, 1000, routingKeys: 0, bufferCapacity: 10_000), Is.True);
        Assert.That(BatchGathering.ShouldGather(1000, 1000, routingKeys: 0, bufferCapacity: 10_000), Is.False);
    }

    [TestCase(4999, true)]
    [TestCase(5000, false)]
    public void Gathering_stops_at_half_the_buffer_whatever_the_routing_keys(int buffered, bool gathers)
    {
        Assert.That(BatchGathering.ShouldGather(buffered, 1000, routingKeys: 12, bufferCapacity: 10_000), Is.EqualTo(gathers));
    }

    [Test]
    public void A_buffer_of_one_event_never_waits_for_a_second()
    {
        Assert.That(BatchGathering.ShouldGather(1, 1000, 4, bufferCapacity: 1), Is.False);
        Assert.That(BatchGathering.ShouldGather(0, 1000, 4, bufferCapacity: 1), Is.True);
    }
}
