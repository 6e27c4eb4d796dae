using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using KnockKnock.Client.Connect;
using Tmds.Linux;

namespace KnockKnock.Client.Socks;

/// <summary>
/// One client connection to the proxy: the greeting and the request within
/// <see cref="HandshakeTimeout"/>, then the decision (<see cref="Open"/>), the reply, and the relay
/// until both sides closed. A malformed greeting or request gets the RFC's error reply and the
/// connection is closed; nothing a client sends ends more than its own session.
/// </summary>
internal sealed class SocksSession(FileDescriptorHandle client, string peer, SocksSettings settings, RawSockets sockets, TextWriter log)
{
    /// <summary>How long a client has for its greeting and request together.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A lock per profile directory this proxy has knocked with (see <see cref="Open"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> s_profilesInUse = new(StringComparer.Ordinal);

    private readonly byte[] _buffer = new byte[SocksGreeting.MaximumLength + SocksRequest.MaximumLength];
    private int _filled;

    public void Run()
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(HandshakeTimeout.TotalSeconds * Stopwatch.Frequency);
        SocksParse state;
        int length;
        bool acceptable;
        while ((state = SocksGreeting.TryParse(_buffer.AsSpan(0, _filled), out length, out acceptable)) == SocksParse.Incomplete)
        {
            if (!TryReceive(deadline))
            {
                return;
            }
        }
        if (state == SocksParse.Malformed || !acceptable)
        {
            Send(SocksGreeting.Reply(acceptable: false));
            Log($"refused: {(state == SocksParse.Malformed ? "not a SOCKS5 greeting" : "the client offers no method without authentication")}");
            return;
        }
        Send(SocksGreeting.Reply(acceptable: true));
        Consume(length);

        SocksRequest? request;
        SocksReplyCode refusal;
        while ((state = SocksRequest.TryParse(_buffer.AsSpan(0, _filled), out request, out length, out refusal)) == SocksParse.Incomplete)
        {
            if (!TryReceive(deadline))
            {
                return;
            }
        }
        if (state == SocksParse.Malformed)
        {
            Send(SocksReply.Create(refusal));
            Log($"refused: malformed request (reply {(byte)refusal:X2})");
            return;
        }
        Consume(length);

        var target = $"{(request!.Host.Contains(':', StringComparison.Ordinal) ? $"[{request.Host}]" : request.Host)}:{request.Port}";
        var (code, connection, reason) = Open(request);
        if (connection is null)
        {
            Send(SocksReply.Create(code));
            Log($"{target}: refused (reply {(byte)code:X2}): {reason}");
            return;
        }
        using (connection)
        {
            var (bound, boundPort) = Interop.GetSockName(connection);
            Send(SocksReply.Create(SocksReplyCode.Succeeded, bound, boundPort));
            var server = new SocketEnd(connection, target);
            if (_filled > 0)
            {
                // Bytes the client sent right after its request, before our reply (optimistic data).
                server.Write(_buffer.AsSpan(0, _filled));
            }
            if (settings.Verbose)
            {
                Log($"{target}: connected ({reason})");
            }
            var outcome = Relay.Run(new SocketEnd(client, "the SOCKS client"), server);
            if (outcome is not null || settings.Verbose)
            {
                Log($"{target}: closed{(outcome is null ? "" : ": " + outcome)}");
            }
        }
    }

    /// <summary>
    /// The decision for one request, and the connection: a host with a profile is knocked for and
    /// connected to (<see cref="KnockConnector"/>); a host without one is refused (X'02') unless
    /// --direct; a port the profile does not allow is refused without a knock (the server would
    /// refuse it, and the knock would use up a counter); an address that is no unicast host
    /// (loopback, multicast, unspecified) is refused.
    /// </summary>
    private (SocksReplyCode Code, FileDescriptorHandle? Connection, string Reason) Open(SocksRequest request)
    {
        if (request.Address is { IsUnicastHost: false } address)
        {
            return (SocksReplyCode.NotAllowedByRuleset, null, $"{address} is not a unicast host address");
        }
        var directory = Path.Combine(settings.ProfileRoot, request.Host);
        try
        {
            if (!Directory.Exists(directory))
            {
                if (!settings.Direct)
                {
                    return (SocksReplyCode.NotAllowedByRuleset, null, $"no profile {directory} (--direct connects hosts without a profile directly)");
                }
                return DirectConnection.TryConnect(request.Host, request.Port, out var direct, out var directFailure)
                    ? (SocksReplyCode.Succeeded, direct, "direct, no profile")
                    : (ReplyFor(directFailure.Errno), null, directFailure.Message);
            }
            using var profile = ProfileLocator.Load(directory);
            if (!profile.AllowedPorts.Contains(request.Port))
            {
                return (SocksReplyCode.NotAllowedByRuleset, null, $"the profile {directory} allows ports {profile.AllowedPorts}, not {request.Port}");
            }
            var knocker = ServiceKnocker.Prepare(profile, request.Host, request.Port, null, null, sockets, settings.Retransmit);
            // One session at a time knocks and connects with a profile. Concurrent ones would
            // overtake each other's knocks (once the server accepts a counter, the lower ones are
            // void) and share one opening (each admits a single connection), and run out of retries.
            lock (s_profilesInUse.GetOrAdd(directory, _ => new object()))
            {
                return KnockConnector.TryConnect(knocker, settings.Policy, settings.Verbose ? Log : null, out var connection, out var failure)
                    ? (SocksReplyCode.Succeeded, connection, string.Create(CultureInfo.InvariantCulture, $"knocked, {knocker.Destination}"))
                    : (ReplyFor(failure.Errno), null, failure.Message);
            }
        }
        catch (KnockKnockException e)
        {
            // A broken or unsafe profile (exit code 2 for the plain client) is the proxy's
            // problem; a name that does not resolve or a host out of reach is the target's.
            return (e.ExitCode == ExitCodes.Usage ? SocksReplyCode.GeneralFailure : SocksReplyCode.HostUnreachable, null, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The profile or its counter could not be read or stored (permissions, a full or
            // failing disk), or a socket failed: the proxy's problem, not the target's.
            return (SocksReplyCode.GeneralFailure, null, e.Message);
        }
    }

    /// <summary>The reply for the errno of the last failed attempt (0: they timed out: host unreachable).</summary>
    public static SocksReplyCode ReplyFor(int errno)
    {
        if (errno == 0 || errno == LibC.ETIMEDOUT || errno == LibC.EHOSTUNREACH || errno == LibC.EHOSTDOWN)
        {
            return SocksReplyCode.HostUnreachable;
        }
        if (errno == LibC.ENETUNREACH || errno == LibC.ENETDOWN)
        {
            return SocksReplyCode.NetworkUnreachable;
        }
        return errno == LibC.ECONNREFUSED ? SocksReplyCode.ConnectionRefused : SocksReplyCode.GeneralFailure;
    }

    private string Prefix => $"knockknock socks: {peer}: ";

    private void Log(string message) => log.WriteLine(Prefix + message);

    /// <summary>Reads more of the handshake; false at end of stream, on an error, or when the deadline passed (the session then ends without a reply).</summary>
    private bool TryReceive(long deadline)
    {
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        if (left <= TimeSpan.Zero || _filled == _buffer.Length)
        {
            Log("closed: no complete SOCKS5 handshake in time");
            return false;
        }
        if (Interop.Poll(client, LibC.POLLIN, (int)Math.Ceiling(left.TotalMilliseconds), "the SOCKS client") == 0)
        {
            return true;
        }
        var n = Interop.Read(client, _buffer.AsSpan(_filled));
        if (n > 0)
        {
            _filled += (int)n;
            return true;
        }
        var errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (errno == LibC.EINTR)
        {
            return true;
        }
        Log(n == 0 ? "closed by the client during the handshake" : $"closed: {Marshal.GetPInvokeErrorMessage(errno)}");
        return false;
    }

    private void Consume(int length)
    {
        _buffer.AsSpan(length, _filled - length).CopyTo(_buffer);
        _filled -= length;
    }

    private void Send(ReadOnlySpan<byte> message) => new SocketEnd(client, "the SOCKS client").Write(message);
}
