namespace KnockKnock.Daemon.Log;

/// <summary>Why <see cref="LogLineParser.TryParse"/> refused a line. Each value is counted, never thrown.</summary>
internal enum LogLineRejection
{
    /// <summary>Not rejected: the line was accepted.</summary>
    None = 0,

    /// <summary>The line does not start with the configured prefix (other kernel messages, or the prefix later in the line).</summary>
    NoPrefix,

    /// <summary>The line is longer than <see cref="LogLineParser.MaxLineLength"/> bytes.</summary>
    TooLong,

    /// <summary>The line holds a control byte (below 0x20, or 0x7F); the kernel never logs one in a LOG line.</summary>
    ControlCharacter,

    /// <summary>A ']' without its '[', or a '[' never closed.</summary>
    UnbalancedBracket,

    /// <summary>PROTO= is present but is not TCP.</summary>
    NotTcp,

    /// <summary>The SYN flag is absent.</summary>
    NotSyn,

    /// <summary>SYN comes with ACK, RST, FIN, PSH or URG: not a bare connection attempt.</summary>
    UnexpectedFlag,

    /// <summary>A required field (PROTO, SRC, SPT, DPT, ID or FLOWLBL as SRC's family has it, SEQ, ACK, WINDOW) is absent outside brackets.</summary>
    MissingField,

    /// <summary>A required field or a TCP flag occurs twice outside brackets.</summary>
    DuplicateField,

    /// <summary>A number is not canonical decimal (empty, a non-digit, a leading zero, more than 10 digits).</summary>
    BadNumber,

    /// <summary>A number is decimal but outside its field's range (e.g. DPT=0, WINDOW=65536).</summary>
    OutOfRange,

    /// <summary>The TCP options (OPT after URGP=) are not well-formed hex, or an option runs past the end, or the timestamp option is malformed or twice.</summary>
    BadOptions,

    /// <summary>SRC= is not an address as the kernel prints it (see <see cref="HostAddress.TryParseKernel"/>).</summary>
    BadAddress,
}
