using System.Runtime.ExceptionServices;

namespace KnockKnock.Client;

/// <summary>
/// A disposable value made on a second thread, started at construction, so that it is made while
/// this thread waits for something else (a knock derives its keys while the counter is fsynced:
/// docs/PERFORMANCE.md, section 3). <see cref="Value"/> waits for it and rethrows what making it
/// threw; <see cref="Dispose"/> waits for it and disposes it, whether or not it was used.
/// </summary>
internal sealed class BackgroundValue<T> : IDisposable
    where T : class, IDisposable
{
    private readonly Thread _thread;
    private T? _value;
    private ExceptionDispatchInfo? _failure;

    public BackgroundValue(Func<T> make)
    {
        _thread = new Thread(() =>
        {
            try
            {
                _value = make();
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
        };
        _thread.Start();
    }

    public T Value
    {
        get
        {
            _thread.Join();
            _failure?.Throw();
            return _value!;
        }
    }

    public void Dispose()
    {
        _thread.Join();
        _value?.Dispose();
    }
}
