#!/usr/bin/env bash
# A quick subset of the benchmarks (short BenchmarkDotNet job, in-process; a short end-to-end run): a few minutes on
# a 2-core machine. For CI on demand, not on every push. Results go to artifacts/benchmarks/ under the repository.
#   bash tests/OtlpBroadcast.Benchmarks/run-quick.sh [extra BenchmarkDotNet arguments]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/artifacts/benchmarks"
mkdir -p "$out"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg), $(dotnet --version) SDK"
dotnet build "$here/OtlpBroadcast.Benchmarks.csproj" -c Release -nologo -v quiet
app="$here/bin/Release/net10.0/OtlpBroadcast.Benchmarks.dll"

dotnet "$app" --check
# One process per benchmark class: they run in-process, and the generator's 50 MB per operation or the recording's
# background exporters would otherwise disturb whatever runs after them in the same process.
for class in EncodingBenchmarks RecordingBenchmarks PrivacyMixBenchmarks GeneratorBenchmarks; do
  dotnet "$app" --quick --artifacts "$out/$class" --filter "*$class*" "$@"
done
# Benchmark 5: only the two rows its target compares (the SDK's encoding, OpenTelemetry .NET's export step), to keep
# the subset short; the full class adds the post rows.
dotnet "$app" --quick --artifacts "$out/ProtobufBenchmarks" --filter '*ProtobufBenchmarks.Sdk' '*ProtobufBenchmarks.OpenTelemetryExportStep' "$@"
dotnet "$app" --end-to-end --quick | tee "$out/end-to-end.md"
echo "reports: $out/*/results/*.md"
