#!/usr/bin/perl
# sign_mdkim.pl - verify signed messages with Mail::DKIM (Debian
# libmail-dkim-perl), keys from a zone file; no network is used.
#
#   perl sign_mdkim.pl ZONE FILE...
#
# ZONE holds the key records as "mauth keygen" writes them
# (NAME. IN TXT ( "..." "..." )).  Mail::DKIM's DNS lookups are answered
# from it by replacing Mail::DKIM::DNS::query, the one function through
# which Mail::DKIM::PublicKey fetches keys.  For every DKIM-Signature of
# every FILE one line is printed:
#     BASENAME SELECTOR pass|fail
# Bare LF line ends are turned into CRLF first, as an MTA does on the wire.
use strict;
use warnings;

use File::Basename qw(basename);
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;

die "usage: sign_mdkim.pl ZONE FILE...\n" if @ARGV < 2;
my $zone = shift @ARGV;

my %keys;
open(my $zf, '<', $zone) or die "$zone: $!\n";
while (my $line = <$zf>) {
	next unless $line =~ /^(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+(.*)$/;
	my ($name, $rest) = (lc($1), $2);
	$name =~ s/\.$//;
	my @strings = ($rest =~ /"([^"]*)"/g);
	$keys{$name} = \@strings;
}
close($zf);

{
	no warnings 'redefine';
	*Mail::DKIM::DNS::query = sub {
		my ($domain, $type) = @_;
		my $name = lc($domain);
		$name =~ s/\.$//;
		if ($type eq 'TXT' && exists $keys{$name}) {
			return Net::DNS::RR->new(name => $name, type => 'TXT',
			    ttl => 300, txtdata => $keys{$name});
		}
		$@ = 'NXDOMAIN';
		return ();
	};
}

foreach my $path (@ARGV) {
	open(my $fh, '<:raw', $path) or die "$path: $!\n";
	local $/;
	my $msg = <$fh>;
	close($fh);
	$msg =~ s/(?<!\r)\n/\r\n/g;
	my $dkim = Mail::DKIM::Verifier->new();
	$dkim->PRINT($msg);
	$dkim->CLOSE();
	my $base = basename($path);
	foreach my $sig ($dkim->signatures) {
		my $r = $sig->result // 'none';
		printf("%s %s %s\n", $base, $sig->selector // '?',
		    $r eq 'pass' ? 'pass' : 'fail');
	}
}
