using JobExporter.Transport;

namespace JobExporter.Tests.Transport;

/// <summary>"Log the first few, then one in N": the one policy of the emitters' hooks, the backlog reader and the exporter's applier.</summary>
public class LogSamplingTests
{
    private static long[] Logged(LogSampling sampling, int occurrences) =>
        Enumerable.Range(1, occurrences).Select(n => (long)n).Where(sampling.ShouldLog).ToArray();

    [Test]
    public void A_hook_failing_on_every_job_logs_its_first_three_then_one_in_a_thousand() =>
        Assert.That(Logged(new LogSampling(3, 1000), 5000), Is.EqualTo(new long[] { 1, 2, 3, 1000, 2000, 3000, 4000, 5000 }));

    [Test]
    public void The_applier_logs_its_first_ten_then_one_in_a_thousand() =>
        Assert.That(Logged(new LogSampling(10, 1000), 3000), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1000, 2000, 3000 }));

    [Test]
    public void A_broken_backlog_read_logs_its_first_three_then_one_in_a_hundred() =>
        Assert.That(Logged(new LogSampling(3, 100), 350), Is.EqualTo(new long[] { 1, 2, 3, 100, 200, 300 }));

    [Test]
    public void A_count_below_one_is_never_an_occurrence_to_log()
    {
        var sampling = new LogSampling(3, 100);
        Assert.That(sampling.ShouldLog(0) || sampling.ShouldLog(-100), Is.False);
    }

    [Test]
    public void One_in_zero_is_refused_when_the_policy_is_made() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new LogSampling(3, 0));
}
