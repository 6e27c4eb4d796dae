using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;

namespace KnockKnock;

/// <summary>The lines a child process writes into a pipe, read with blocking read(2) until the pipe ends.</summary>
internal static class PipeLines
{
    /// <summary>
    /// Each line of <paramref name="pipe"/> without its newline (UTF-8; a last line without one
    /// too), until end of file or a read error. The caller owns the pipe.
    /// </summary>
    public static IEnumerable<string> Read(FileDescriptorHandle pipe)
    {
        var buffer = new byte[4096];
        var line = new MemoryStream();
        while (true)
        {
            var read = (int)Interop.Read(pipe, buffer);
            if (read < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR)
            {
                continue;
            }
            if (read <= 0)
            {
                break;
            }
            var start = 0;
            for (var end = Array.IndexOf(buffer, (byte)'\n', 0, read); end >= 0; end = Array.IndexOf(buffer, (byte)'\n', start, read - start))
            {
                line.Write(buffer, start, end - start);
                yield return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
                line.SetLength(0);
                start = end + 1;
            }
            line.Write(buffer, start, read - start);
        }
        if (line.Length > 0)
        {
            yield return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
        }
    }
}
