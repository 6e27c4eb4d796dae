namespace KnockKnock.Crypto;
