#!/usr/bin/perl
# Validates an OpenAPI 3 document against the specification's schema with JSON::Validator
# (Debian: libjson-validator-perl, whose openapi-specification dependency ships the schema, so
# no network). Prints each error; exit 0 when valid.
# Usage: openapi_check.pl FILE.json
use strict;
use warnings;
use JSON::Validator::Schema::OpenAPIv3;
use Mojo::File;
use Mojo::JSON qw(decode_json);

my $document = decode_json(Mojo::File->new($ARGV[0])->slurp);
my @errors = @{JSON::Validator::Schema::OpenAPIv3->new($document)->errors};
print "$_\n" for @errors;
exit(@errors ? 1 : 0);
