// Co-simulation driver of one stream stage (rtlgen stage co-simulation
// tests): offers the beats of StimFile ($readmemh, one InBits-bit beat per
// line) and drives the consumer's ready by the per-cycle schedule of
// SchedFile ($readmemb, one line per cycle: bit 1 = ready, bit 0 = the
// source may offer its next beat), exactly as sim.RunStage does, and
// writes every output handshake as "cycle data" (hex) to OutFile. Cycle 0
// is the first cycle after reset; the driver runs Cycles cycles, then
// raises done_o.
module qnn_stage_drv #(
  parameter integer InBits  = 1,
  parameter integer OutBits = 1,
  parameter integer NBeats  = 1,
  parameter integer Cycles  = 1,
  parameter         StimFile  = "",
  parameter         SchedFile = "",
  parameter         OutFile   = ""
) (
  input  wire               clk_i,
  input  wire               rst_ni,
  output reg                in_valid_o,
  output reg  [InBits-1:0]  in_data_o,
  input  wire               in_ready_i,
  input  wire               out_valid_i,
  input  wire [OutBits-1:0] out_data_i,
  output reg                out_ready_o,
  output reg                done_o
);

  reg [InBits-1:0] beats [0:NBeats-1];
  reg [1:0]        sched [0:Cycles-1];
  integer k, next, fd;
  reg in_hs;

  initial begin
    $readmemh(StimFile, beats);
    $readmemb(SchedFile, sched);
    fd = $fopen(OutFile, "w");
    in_valid_o = 1'b0;
    in_data_o = {InBits{1'b0}};
    out_ready_o = 1'b0;
    done_o = 1'b0;
    next = 0;
    @(posedge rst_ni);
    for (k = 0; k < Cycles; k = k + 1) begin
      if (!in_valid_o && next < NBeats && sched[k][0]) begin
        in_valid_o = 1'b1;
        in_data_o = beats[next];
      end
      out_ready_o = sched[k][1];
      #3;
      in_hs = in_valid_o && in_ready_i;
      if (out_valid_i && out_ready_o) begin
        $fwrite(fd, "%0d %h\n", k, out_data_i);
      end
      @(posedge clk_i);
      #1;
      if (in_hs) begin
        in_valid_o = 1'b0;
        next = next + 1;
      end
    end
    $fclose(fd);
    done_o = 1'b1;
  end
endmodule
