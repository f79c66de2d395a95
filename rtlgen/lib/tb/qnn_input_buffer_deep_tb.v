// Test bench of qnn_input_buffer with Sf = 150 (deeper than 64: the split
// lane multiplexer) and one beat per frame (every position on the last
// beat's path), and of the memory builds (Style 1 block RAM, 2 LUT RAM):
// one lane group per beat with pad lanes, several beats per word (a group
// never written past Mw), one word per frame, a deep one: the checks of
// qnn_input_buffer_tb at these sizes.
module qnn_input_buffer_deep_tb;
  qnn_input_buffer_tb #(.Mw(299), .XBits(1), .InWidth(7), .InBeats(43), .Simd(2), .Sf(150),
                        .SfWidth(8), .PadX(1), .Frames(12), .MaxCycles(40000), .AbortMask(255),
                        .Name("deep"), .Standalone(0)) u_deep ();
  qnn_input_buffer_tb #(.Mw(6), .XBits(2), .InWidth(8), .InBeats(1), .Simd(3), .Sf(2),
                        .SfWidth(1), .PadX(2), .Frames(30), .MaxCycles(5000),
                        .Name("onebeat"), .Standalone(0)) u_onebeat ();
  qnn_input_buffer_tb #(.Style(1), .Name("block"), .Standalone(0)) u_block ();
  qnn_input_buffer_tb #(.Style(2), .Name("lut"), .Standalone(0)) u_lut ();
  qnn_input_buffer_tb #(.Mw(13), .XBits(2), .InWidth(2), .InBeats(7), .Simd(4), .Sf(4),
                        .SfWidth(2), .PadX(3), .Style(2), .Name("groups"), .Standalone(0)) u_groups ();
  qnn_input_buffer_tb #(.Mw(13), .XBits(2), .InWidth(2), .InBeats(7), .Simd(4), .Sf(4),
                        .SfWidth(2), .PadX(3), .Style(1), .Name("groups_block"), .Standalone(0)) u_groups_block ();
  qnn_input_buffer_tb #(.Mw(16), .XBits(1), .InWidth(1), .InBeats(16), .Simd(4), .Sf(4),
                        .SfWidth(2), .PadX(1), .Style(2), .Name("bits"), .Standalone(0)) u_bits ();
  qnn_input_buffer_tb #(.Mw(3), .XBits(4), .InWidth(3), .InBeats(1), .Simd(3), .Sf(1),
                        .SfWidth(1), .PadX(9), .Style(2), .Name("oneword"), .Standalone(0)) u_oneword ();
  qnn_input_buffer_tb #(.Mw(299), .XBits(1), .InWidth(2), .InBeats(150), .Simd(2), .Sf(150),
                        .SfWidth(8), .PadX(1), .Frames(12), .MaxCycles(40000), .AbortMask(255),
                        .Style(1), .Name("deep_block"), .Standalone(0)) u_deep_block ();

  initial begin
    wait (u_deep.done && u_onebeat.done && u_block.done && u_lut.done && u_groups.done &&
          u_groups_block.done && u_bits.done && u_oneword.done && u_deep_block.done);
    if (u_deep.errors == 0 && u_onebeat.errors == 0 && u_block.errors == 0 && u_lut.errors == 0 &&
        u_groups.errors == 0 && u_groups_block.errors == 0 && u_bits.errors == 0 &&
        u_oneword.errors == 0 && u_deep_block.errors == 0) $display("PASS qnn_input_buffer_deep_tb");
    else $display("FAIL qnn_input_buffer_deep_tb: %0d %0d %0d %0d %0d %0d %0d %0d %0d errors",
                  u_deep.errors, u_onebeat.errors, u_block.errors, u_lut.errors, u_groups.errors,
                  u_groups_block.errors, u_bits.errors, u_oneword.errors, u_deep_block.errors);
    $finish;
  end
endmodule
