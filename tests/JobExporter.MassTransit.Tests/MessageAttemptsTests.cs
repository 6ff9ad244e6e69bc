using JobExporter.Contracts;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>
/// The rules of a message's consumer attempts as tables, in plain values: each row is what happened to one message, call
/// by call, and the verdicts it must come to. A call is <c>"A throws e1"</c> (consumer A's attempt threw exception e1),
/// <c>"A starts 1"</c> (A starts retry attempt 1; 0 the first), <c>"fault e1 A"</c> (MassTransit reports e1 of A as the
/// final fault) or <c>"done"</c> (the message is done). A verdict is <c>"job-retried A"</c>, <c>"job-failed A"</c>, or
/// <c>"unseen A"</c> for a fault of no attempt the emitter saw (MassTransit's own figures are published then).
/// </summary>
[TestFixture]
public sealed class MessageAttemptsTests
{
    private static TestCaseData Row(string name, string[] calls, string[] verdicts) => new TestCaseData(calls, verdicts).SetName(name);

    public static IEnumerable<TestCaseData> Messages()
    {
        yield return Row("A consumer that throws and that the retry policy runs again is job-retried",
            ["A throws e1", "A starts 1"], ["job-retried A"]);
        yield return Row("A consumer that throws on its last retry is job-retried then job-failed when MassTransit reports the fault",
            ["A throws e1", "A starts 1", "A throws e2", "fault e2 A", "done"], ["job-retried A", "job-failed A"]);
        yield return Row("A consumer's first attempt settles no failure",
            ["A throws e1", "A starts 0"], []);
        yield return Row("A failure still waiting when the message is done was retried (redelivered later)",
            ["A throws e1", "done"], ["job-retried A"]);
        yield return Row("One consumer's retry leaves another consumer's failure waiting for its own verdict",
            ["A throws e1", "B throws e2", "B starts 1", "fault e1 A", "done"], ["job-retried B", "job-failed A"]);
        yield return Row("A fault is the attempt that threw that very exception",
            ["A throws e1", "A throws e2", "fault e1 A", "done"], ["job-failed A", "job-retried A"]);
        yield return Row("A fault with an exception not seen is the consumer's latest failure",
            ["A throws e1", "fault e9 A"], ["job-failed A"]);
        yield return Row("A fault of something the emitter did not see start is left to MassTransit's own figures",
            ["B throws e1", "fault e2 A", "done"], ["unseen A", "job-retried B"]);
        yield return Row("A message that no consumer failed publishes no verdict",
            ["A starts 0", "done"], []);
    }

    [TestCaseSource(nameof(Messages))]
    public void A_message(string[] calls, string[] verdicts)
    {
        var attempts = new MessageAttempts();
        var exceptions = new Dictionary<string, Exception>();
        Exception Thrown(string id) => exceptions.TryGetValue(id, out var e) ? e : exceptions[id] = new InvalidOperationException(id);
        var published = new List<string>();
        void Publish(IEnumerable<JobEvent>? events)
        {
            foreach (var e in events ?? []) published.Add($"{e.Type.ToWireName()} {e.Name}");
        }
        foreach (var call in calls)
        {
            var words = call.Split(' ');
            switch (words)
            {
                case [var consumer, "throws", var exception]:
                    attempts.Failed(new FailedAttempt(consumer, Thrown(exception), Event(EventType.JobRetried, consumer), Event(EventType.JobFailed, consumer)));
                    break;
                case [var consumer, "starts", var retry]:
                    Publish(attempts.Starting(consumer, int.Parse(retry)));
                    break;
                case ["fault", var exception, var consumer]:
                    if (attempts.Faulted(Thrown(exception), consumer) is { } failed) Publish([failed]);
                    else published.Add($"unseen {consumer}");
                    break;
                case ["done"]:
                    Publish(attempts.Done());
                    break;
                default:
                    throw new ArgumentException($"not a call: {call}");
            }
        }
        Assert.That(published, Is.EqualTo(verdicts));
    }

    [TestCase(false, false, true, TestName = "A message that no consumer took and that did not fault is job-rejected")]
    [TestCase(true, false, false, TestName = "A message a consumer took is not rejected")]
    [TestCase(false, true, false, TestName = "A message that faulted is not rejected")]
    public void A_message_skipped(bool delivered, bool faulted, bool rejected) =>
        Assert.That(MessageAttempts.Skipped(delivered, faulted), Is.EqualTo(rejected));

    [TestCase(0, true, TestName = "The first attempt waited in the queue: job-started carries the wait")]
    [TestCase(1, false, TestName = "A retry runs straight after the failure: job-started carries no wait")]
    public void A_wait(int retryAttempt, bool waited) => Assert.That(MessageAttempts.Waited(retryAttempt), Is.EqualTo(waited));

    private static JobEvent Event(EventType type, string consumer) =>
        new() { Type = type, Id = Guid.NewGuid().ToString("N"), Ts = 1, System = JobEmitter.SystemName, Hostname = "unit", Name = consumer, Queue = "orders" };
}
