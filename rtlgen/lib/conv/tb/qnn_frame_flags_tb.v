// Test bench of qnn_frame_flags: 2,000 cycles of random pushes (random bad
// flags) and pops into a 5-deep queue, pushes only while it is not full
// or pops in the same cycle (checked to happen), pops only while it is not
// empty. A reference
// queue in the bench checks head_o every cycle (0 when empty). Prints PASS
// or FAIL.
module qnn_frame_flags_tb;
  localparam integer Depth = 5, N = 2000;

  reg clk = 1'b0, rst_n = 1'b0;
  reg push = 1'b0, bad = 1'b0, pop = 1'b0;
  wire head;

  qnn_frame_flags #(.Depth(Depth)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .push_i(push), .bad_i(bad), .pop_i(pop), .head_o(head));

  always #5 clk = !clk;

  reg [Depth-1:0] ref_q = 0;
  reg pop_next;
  integer n = 0, seed = 5, errors = 0, cycles = 0, full_pushes = 0;

  always @(posedge clk) begin
    if (rst_n) begin
      cycles = cycles + 1;
      if (head !== (n > 0 ? ref_q[0] : 1'b0)) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL qnn_frame_flags_tb cycle %0d: head %b, want %b (%0d queued)", cycles, head, ref_q[0], n);
      end
      // The edge: the DUT commits push and pop; the reference does the same.
      if (pop) begin
        ref_q = ref_q >> 1;
        n = n - 1;
      end
      if (push) begin
        ref_q[n] = bad;
        n = n + 1;
      end
      // The next cycle's inputs.
      pop_next = n > 0 && ($random(seed) & 1);
      pop  <= pop_next;
      bad  <= $random(seed) & 1;
      push <= (n < Depth || pop_next) && ($random(seed) & 1);
      if (n == Depth && pop_next) full_pushes = full_pushes + 1;
    end
  end

  initial begin
    repeat (3) @(posedge clk);
    #1 rst_n = 1'b1;
    while (cycles < N) @(posedge clk);
    if (errors == 0 && full_pushes > 10) $display("PASS qnn_frame_flags_tb");
    else $display("FAIL qnn_frame_flags_tb: %0d errors, %0d full cycles with a pop", errors, full_pushes);
    $finish;
  end
endmodule
