using System.Buffers;
using JobExporter.Aggregation;
using JobExporter.Contracts;
using JobExporter.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace JobExporter.Web;

/// <summary>
/// <c>POST /api/v1/events</c> (--web.enable-ingest): one event batch per request, the same body an emitter publishes to
/// RabbitMQ, read by the same <see cref="EventParser"/> into the same <see cref="EventApplier"/> (so the same
/// de-duplication by event id and the same invalid counters). It answers 200 only after the batch is applied, so a sender
/// that gets no answer sends it again, and the resend counts once. The routing key is not sent: the exporter never reads
/// it (every event carries its system, type and hostname), it only steers RabbitMQ's bindings.
/// <para>
/// What one sender can cost is bounded: the body is at most --events.max-message-bytes (413 past it), read within
/// <see cref="BodyTimeout"/> (408 after it), and at most <see cref="MaxConcurrent"/> bodies are read and applied at once;
/// a request that finds no free slot within <see cref="SlotWait"/> gets 503 with <c>Retry-After</c> before its body is read.
/// So the memory held is at most <see cref="MaxConcurrent"/> bodies.
/// </para>
/// </summary>
internal sealed class IngestEndpoint(EventApplier applier, EventParserLimits limits, ILogger<IngestEndpoint> logger)
{
    public const string Path = "/api/v1/events";

    /// <summary>Bodies read and applied at once: applying takes the applier's one lock anyway, so more would only hold memory.</summary>
    public const int MaxConcurrent = 4;

    /// <summary>How long a request may wait for a free slot before it is told to come back.</summary>
    public static readonly TimeSpan SlotWait = TimeSpan.FromSeconds(2);

    /// <summary>Longest reading one body may take: a sender that trickles bytes gives its slot back after this.</summary>
    public static readonly TimeSpan BodyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The <c>Retry-After</c> of a 503, in seconds.</summary>
    public const int RetryAfterSeconds = 1;

    private readonly SemaphoreSlim _slots = new(MaxConcurrent, MaxConcurrent);
    // Bodies are read and parsed side by side, then applied one batch at a time. The applier takes its lock for every
    // event, so batches applied at once would hand that lock between threads event by event; RabbitMQ's path applies from
    // one consumer thread. The gate is awaited, so the batches that wait hold no thread and spin on no core; a batch that
    // finds it free is parsed under it, straight into the applier.
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly EventParser _parser = new(limits) { KeepJobIds = false };

    public async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > limits.MaxMessageBytes)
        {
            applier.OnInvalid(InvalidReasons.TooLarge);
            await Text(context, StatusCodes.Status413PayloadTooLarge, $"body larger than {limits.MaxMessageBytes} bytes (--events.max-message-bytes)\n");
            return;
        }
        if (!await _slots.WaitAsync(SlotWait, context.RequestAborted))
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Text(context, StatusCodes.Status503ServiceUnavailable, $"busy: {MaxConcurrent} batches are being read; retry later\n");
            return;
        }
        try
        {
            await ReadAndApplyAsync(context);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task ReadAndApplyAsync(HttpContext context)
    {
        // Kestrel stops the body at the same bound, whatever Content-Length said (or a chunked body does not say).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limits.MaxMessageBytes + 1L;
        // A body that says its length (as the emitters' do) gets a buffer of that size, one byte more to see a longer one:
        // a small batch then takes a small pooled array, not one of the largest size the pool may have let go.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(context.Request.ContentLength ?? long.MaxValue, limits.MaxMessageBytes) + 1);
        try
        {
            int length;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted))
            {
                timeout.CancelAfter(BodyTimeout);
                try
                {
                    length = await ReadBodyAsync(context.Request.Body, buffer, timeout.Token);
                }
                catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                {
                    await Text(context, StatusCodes.Status408RequestTimeout, $"body not received within {BodyTimeout.TotalSeconds:0}s\n");
                    return;
                }
                catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    length = buffer.Length;
                }
                catch (BadHttpRequestException ex)
                {
                    // Kestrel's own bounds (a body slower than its minimum data rate): said as it says it.
                    await Text(context, ex.StatusCode, ex.Message + "\n");
                    return;
                }
            }
            if (length > limits.MaxMessageBytes)
            {
                applier.OnInvalid(InvalidReasons.TooLarge);
                await Text(context, StatusCodes.Status413PayloadTooLarge, $"body larger than {limits.MaxMessageBytes} bytes (--events.max-message-bytes)\n");
                return;
            }
            var outcome = new BatchOutcome(applier);
            try
            {
                // Once the batch is read it is applied, even if the sender has gone meanwhile: it will resend, and count once.
                ParsedBatch? parsedAside = null;
                if (!_applying.Wait(0))
                {
                    // Another batch is being applied. The parser keeps no state: this one is parsed meanwhile, then replayed whole.
                    parsedAside = new ParsedBatch();
                    _parser.Parse(buffer.AsSpan(0, length), parsedAside);
                    await _applying.WaitAsync(CancellationToken.None);
                }
                try
                {
                    // A batch that found the gate free is parsed straight into the applier, as the broker path reads a
                    // message: no parsed event waits (and outlives a gen0 collection) and no thread is woken to apply it.
                    if (parsedAside is null) _parser.Parse(buffer.AsSpan(0, length), outcome);
                    else parsedAside.ReplayTo(outcome);
                }
                finally
                {
                    _applying.Release();
                }
            }
            catch (Exception ex)
            {
                // As on the broker path: a bug is logged and the batch skipped, never a crash. The events applied before it
                // are counted once when the sender resends the batch (de-duplication by id).
                logger.LogError(ex, "Applying a batch posted to {Path} failed; it is skipped", Path);
                await Text(context, StatusCodes.Status500InternalServerError, "applying the batch failed; see the exporter's log\n");
                return;
            }
            await Answer(context, outcome);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the body into <paramref name="buffer"/>; returns its length, or the buffer's when the body is longer.</summary>
    private static async Task<int> ReadBodyAsync(Stream body, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0) break;
            length += read;
        }
        return length;
    }

    /// <summary>
    /// 200 when the batch was read: every good event in it is applied, and events rejected one by one are counted (sending
    /// them again would not help). 400 when the body as a whole was rejected, or not one event in it was good.
    /// </summary>
    private static Task Answer(HttpContext context, BatchOutcome outcome)
    {
        if (outcome.MessageRejection is { } reason)
        {
            return Text(context, StatusCodes.Status400BadRequest,
                $"rejected: {reason} (read {outcome.Events} events before it, rejected {outcome.Invalid})\n");
        }
        if (outcome.Events == 0 && outcome.Invalid > 0)
        {
            return Text(context, StatusCodes.Status400BadRequest, $"rejected: every event ({outcome.Invalid}), first as {outcome.FirstReason}\n");
        }
        return Text(context, StatusCodes.Status200OK, $"read {outcome.Events} events (duplicates of events already applied count once), rejected {outcome.Invalid}\n");
    }

    private static Task Text(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text);
    }

    /// <summary>Passes everything on to the applier, and keeps what the answer says of it.</summary>
    private sealed class BatchOutcome(IEventSink applier) : IEventSink
    {
        public int Events { get; private set; }
        public int Invalid { get; private set; }
        public string? FirstReason { get; private set; }

        /// <summary>The reason the body as a whole (not one event in it) was rejected, if it was.</summary>
        public string? MessageRejection { get; private set; }

        public void OnEvent(JobEvent e)
        {
            Events++;
            applier.OnEvent(e);
        }

        public void OnInvalid(string reason)
        {
            Invalid++;
            FirstReason ??= reason;
            if (reason is InvalidReasons.InvalidUtf8 or InvalidReasons.NotJson or InvalidReasons.BatchTooLarge or InvalidReasons.TooLarge)
            {
                MessageRejection ??= reason;
            }
            applier.OnInvalid(reason);
        }
    }
}
