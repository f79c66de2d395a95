// Test bench of qnn_input_buffer with Sf = 150 (deeper than 64: the split
// lane multiplexer) and one beat per frame (every position on the last
// beat's path): the checks of qnn_input_buffer_tb at these sizes.
module qnn_input_buffer_deep_tb;
  qnn_input_buffer_tb #(.Mw(299), .XBits(1), .InWidth(7), .InBeats(43), .Simd(2), .Sf(150),
                        .SfWidth(8), .PadX(1), .Frames(12), .MaxCycles(40000), .AbortMask(255),
                        .Name("deep"), .Standalone(0)) u_deep ();
  qnn_input_buffer_tb #(.Mw(6), .XBits(2), .InWidth(8), .InBeats(1), .Simd(3), .Sf(2),
                        .SfWidth(1), .PadX(2), .Frames(30), .MaxCycles(5000),
                        .Name("onebeat"), .Standalone(0)) u_onebeat ();

  initial begin
    wait (u_deep.done && u_onebeat.done);
    if (u_deep.errors == 0 && u_onebeat.errors == 0) $display("PASS qnn_input_buffer_deep_tb");
    else $display("FAIL qnn_input_buffer_deep_tb: %0d and %0d errors", u_deep.errors, u_onebeat.errors);
    $finish;
  end
endmodule
