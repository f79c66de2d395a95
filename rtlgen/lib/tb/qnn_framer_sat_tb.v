// Test bench of qnn_framer with one beat per frame (tlast required on
// every beat, no early tlast possible) and with a 2-bit drop counter
// (saturates at 3): the checks of qnn_framer_tb at these sizes.
module qnn_framer_sat_tb;
  qnn_framer_tb #(.Beats(1), .DropBits(16), .Packets(100), .Name("onebeat"), .Standalone(0)) u_onebeat ();
  qnn_framer_tb #(.Beats(3), .DropBits(2), .Packets(100), .Name("saturate"), .Standalone(0)) u_sat ();

  initial begin
    wait (u_onebeat.done && u_sat.done);
    if (u_onebeat.errors == 0 && u_sat.errors == 0) $display("PASS qnn_framer_sat_tb");
    else $display("FAIL qnn_framer_sat_tb: %0d and %0d errors", u_onebeat.errors, u_sat.errors);
    $finish;
  end
endmodule
