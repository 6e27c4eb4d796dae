extern alias client;

using Tmds.Linux;
using ClientHandle = client::KnockKnock.FileDescriptorHandle;
using ClientInterop = client::KnockKnock.Interop;

namespace KnockKnock.Tests.Client;

/// <summary>
/// The descriptor passing between the client and its unprivileged copy (SCM_RIGHTS over a
/// SOCK_SEQPACKET pair): a message must carry exactly one descriptor, and whatever else arrives is
/// closed, never left open in the receiver.
/// </summary>
[TestFixture]
public sealed unsafe class DescriptorPassingTests
{
    [Test]
    public void One_descriptor_arrives_as_the_same_open_file()
    {
        using var pair = new Pair();
        Send(pair.Sender, pair.PipeWrite, 1);
        var buffer = new byte[16];
        Assert.That(ClientInterop.ReceiveWithDescriptor(pair.Receiver, buffer, out var descriptor), Is.EqualTo(3));
        using (descriptor)
        {
            Assert.That(descriptor, Is.Not.Null);
            pair.ClosePipeWrite();
            Assert.That(ReadEndSeesHangup(pair), Is.False, "the received copy keeps the pipe open");
        }
        Assert.That(ReadEndSeesHangup(pair), Is.True);
    }

    [Test]
    public void A_message_with_two_descriptors_is_refused_and_both_are_closed()
    {
        using var pair = new Pair();
        Send(pair.Sender, pair.PipeWrite, 2);
        pair.ClosePipeWrite();
        var buffer = new byte[16];
        Assert.That(ClientInterop.ReceiveWithDescriptor(pair.Receiver, buffer, out var descriptor), Is.EqualTo(-1));
        Assert.That(descriptor, Is.Null);
        Assert.That(ReadEndSeesHangup(pair), Is.True, "no copy of the pipe's write end was left open");
    }

    private static bool ReadEndSeesHangup(Pair pair)
    {
        var poll = new pollfd { fd = pair.PipeRead, events = LibC.POLLIN };
        Assert.That(LibC.poll(&poll, 1, 0), Is.GreaterThanOrEqualTo(0));
        return (poll.revents & LibC.POLLHUP) != 0;
    }

    /// <summary>Sends "abc" with <paramref name="copies"/> copies of <paramref name="descriptor"/> in one SCM_RIGHTS header.</summary>
    private static void Send(int socket, int descriptor, int copies)
    {
        var controlLength = (int)LibC.CMSG_SPACE(copies * sizeof(int));
        var control = stackalloc byte[controlLength];
        var data = stackalloc byte[3] { (byte)'a', (byte)'b', (byte)'c' };
        var vector = new iovec { iov_base = data, iov_len = 3 };
        var message = new msghdr { msg_iov = &vector, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)controlLength };
        var header = LibC.CMSG_FIRSTHDR(&message);
        header->cmsg_level = LibC.SOL_SOCKET;
        header->cmsg_type = LibC.SCM_RIGHTS;
        // Not Tmds.LibC's CMSG_LEN, which rounds the length up (24 for one descriptor: two to the kernel).
        header->cmsg_len = (socklen_t)(sizeof(cmsghdr) + (copies * sizeof(int)));
        for (var i = 0; i < copies; i++)
        {
            ((int*)LibC.CMSG_DATA(header))[i] = descriptor;
        }
        Assert.That((long)LibC.sendmsg(socket, &message, 0), Is.EqualTo(3L));
    }

    private sealed class Pair : IDisposable
    {
        private int _pipeWrite;

        public Pair()
        {
            var fds = stackalloc int[2];
            Assert.That(LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, fds), Is.Zero);
            Sender = fds[0];
            Receiver = new ClientHandle(fds[1]);
            Assert.That(LibC.pipe2(fds, LibC.O_CLOEXEC), Is.Zero);
            PipeRead = fds[0];
            _pipeWrite = fds[1];
        }

        public int Sender { get; }

        public ClientHandle Receiver { get; }

        public int PipeRead { get; }

        public int PipeWrite => _pipeWrite;

        public void ClosePipeWrite()
        {
            _ = LibC.close(_pipeWrite);
            _pipeWrite = -1;
        }

        public void Dispose()
        {
            if (_pipeWrite >= 0)
            {
                _ = LibC.close(_pipeWrite);
            }
            _ = LibC.close(PipeRead);
            _ = LibC.close(Sender);
            Receiver.Dispose();
        }
    }
}
