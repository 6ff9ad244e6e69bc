using System.Diagnostics;
using System.Net;
using JobExporter.Security;

namespace JobExporter.Tests.Security;

public class PasswordCheckGateTests
{
    private static readonly IPAddress Guesser = IPAddress.Parse("192.0.2.1");

    [Test]
    public async Task One_address_gets_at_most_its_share_of_turns_and_is_refused_after_the_wait_beyond_it()
    {
        var gate = new PasswordCheckGate();
        var first = await gate.EnterAsync(Guesser, CancellationToken.None);
        Assert.That(first, Is.Not.Null);
        // The others of its share wait for a slot (or have one, with more than one core).
        var share = Enumerable.Range(1, PasswordCheckGate.PerAddress - 1).Select(_ => gate.EnterAsync(Guesser, CancellationToken.None)).ToList();

        var clock = Stopwatch.StartNew();
        var beyond = await gate.EnterAsync(Guesser, CancellationToken.None);
        Assert.That(beyond, Is.Null);
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(PasswordCheckGate.MaxWait - TimeSpan.FromMilliseconds(50)), "no busy loop of refusals");

        first!.Dispose();
        foreach (var turn in await Task.WhenAll(share)) turn?.Dispose();
        using var again = await gate.EnterAsync(Guesser, CancellationToken.None);
        Assert.That(again, Is.Not.Null, "turns given back are free again");
    }

    [Test]
    public async Task When_every_slot_is_taken_a_check_is_refused_after_the_wait_and_gets_a_slot_once_one_frees()
    {
        var gate = new PasswordCheckGate();
        var held = new List<IDisposable>();
        for (var i = 0; i < PasswordCheckGate.Concurrency; i++)
        {
            held.Add((await gate.EnterAsync(IPAddress.Parse($"198.51.100.{i + 1}"), CancellationToken.None))!);
        }
        Assert.That(await gate.EnterAsync(Guesser, CancellationToken.None), Is.Null);

        var waiting = gate.EnterAsync(Guesser, CancellationToken.None);
        held[0].Dispose();
        using var turn = await waiting;
        Assert.That(turn, Is.Not.Null);
        foreach (var h in held.Skip(1)) h.Dispose();
    }
}
