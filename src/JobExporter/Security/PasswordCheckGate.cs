using System.Collections.Concurrent;
using System.Net;

namespace JobExporter.Security;

/// <summary>
/// Bounds the bcrypt work that credentials not remembered by <see cref="BasicAuthUsers"/> cost, so that a flood of
/// wrong passwords cannot take the CPU from the requests that need it (a scraper whose login is remembered pays no
/// bcrypt at all). At most <see cref="Concurrency"/> checks run at once (half the cores), at most
/// <see cref="PerAddress"/> wait or run for one source address, and a check waits at most <see cref="MaxWait"/> for
/// its turn. A request refused by either bound gets 429, after <see cref="MaxWait"/>, and pays no bcrypt.
/// </summary>
internal sealed class PasswordCheckGate
{
    /// <summary>Checks waiting or running for one source address.</summary>
    public const int PerAddress = 2;

    /// <summary>Longest a check waits for a free slot before the request is refused.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    public static readonly int Concurrency = Math.Max(1, Environment.ProcessorCount / 2);

    private readonly SemaphoreSlim _slots = new(Concurrency, Concurrency);
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();

    /// <summary>
    /// A turn to check a password for <paramref name="address"/>, or null when its address has too many in flight or no
    /// slot freed within <see cref="MaxWait"/>. Dispose the turn once the check is done.
    /// </summary>
    public async Task<IDisposable?> EnterAsync(IPAddress? address, CancellationToken cancellationToken)
    {
        address ??= IPAddress.None;
        if (_perAddress.AddOrUpdate(address, 1, (_, n) => n + 1) > PerAddress)
        {
            Leave(address);
            // Answered no sooner than a request that waited its turn in vain: a client that retries at once then cannot
            // turn refusals into a busy loop. A timer costs no CPU while it runs.
            await Task.Delay(MaxWait, cancellationToken);
            return null;
        }
        var entered = false;
        try
        {
            entered = await _slots.WaitAsync(MaxWait, cancellationToken);
        }
        finally
        {
            if (!entered) Leave(address);
        }
        return entered ? new Turn(this, address) : null;
    }

    private void Leave(IPAddress address)
    {
        // Removes the address when its count returns to 0, so that the table holds only addresses with checks in flight.
        while (true)
        {
            var count = _perAddress[address];
            if (count == 1 ? _perAddress.TryRemove(KeyValuePair.Create(address, 1)) : _perAddress.TryUpdate(address, count - 1, count)) return;
        }
    }

    private sealed class Turn(PasswordCheckGate gate, IPAddress address) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            gate._slots.Release();
            gate.Leave(address);
        }
    }
}
