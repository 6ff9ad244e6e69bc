using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

public class BatchGatheringTests
{
    [TestCase(0, true)]
    [TestCase(1000, true, Description = "a full message for one routing key no longer ends the wait")]
    [TestCase(4999, true)]
    [TestCase(5000, false)]
    [TestCase(10_000, false)]
    public void Events_gather_until_half_the_buffer_is_full(int buffered, bool gathers)
    {
        Assert.That(BatchGathering.ShouldGather(buffered, bufferCapacity: 10_000), Is.EqualTo(gathers));
    }

    [Test]
    public void A_buffer_of_one_event_never_waits_for_a_second()
    {
        Assert.That(BatchGathering.ShouldGather(1, bufferCapacity: 1), Is.False);
        Assert.That(BatchGathering.ShouldGather(0, bufferCapacity: 1), Is.True);
    }
}
