// Test bench of qnn_fifo: 400 numbered beats through a 3-deep FIFO under
// random valid and ready gaps (long runs of either). Checks that the beats
// come out in order, none lost or repeated, that it never holds more than
// Depth + 1 beats, and that a beat into an empty FIFO is valid the cycle
// after its handshake. Prints PASS or FAIL.
module qnn_fifo_tb;
  localparam integer Depth = 3, Width = 12, N = 400;

  reg clk = 1'b0, rst_n = 1'b0;
  reg in_valid = 1'b0, out_ready = 1'b0;
  reg [Width-1:0] in_data = 0;
  wire in_ready, out_valid;
  wire [Width-1:0] out_data;

  qnn_fifo #(.Depth(Depth), .Width(Width)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .in_valid_i(in_valid), .in_ready_o(in_ready), .in_data_i(in_data),
    .out_valid_o(out_valid), .out_ready_i(out_ready), .out_data_o(out_data));

  always #5 clk = !clk;

  integer seed = 11, errors = 0, sent = 0, got = 0, cycles = 0, phase = 0;
  reg offering = 1'b0, was_empty_in = 1'b0;

  always @(posedge clk) begin
    if (rst_n) begin
      cycles = cycles + 1;
      if (was_empty_in && !out_valid) begin
        errors = errors + 1;
        $display("FAIL qnn_fifo_tb: a beat into the empty FIFO is not valid the next cycle");
      end
      was_empty_in = offering && in_ready && sent == got && !(out_valid && out_ready);
      if (offering && in_ready) begin
        sent = sent + 1;
        offering = 1'b0;
      end
      if (out_valid && out_ready) begin
        if (out_data !== got[Width-1:0]) begin
          errors = errors + 1;
          if (errors < 5) $display("FAIL qnn_fifo_tb beat %0d: %0d", got, out_data);
        end
        got = got + 1;
      end
      if (sent - got > Depth + 1) begin
        errors = errors + 1;
        $display("FAIL qnn_fifo_tb: holds %0d beats", sent - got);
      end
      if (($random(seed) & 31) == 0) phase = (phase + 1) % 3;  // 0 mixed, 1 sink stalls, 2 source stalls
      if (!offering && sent < N && (phase == 1 || (phase == 0 && ($random(seed) & 1)))) offering = 1'b1;
      in_valid  <= offering;
      in_data   <= sent[Width-1:0];
      out_ready <= (phase == 2) || (phase == 0 && ($random(seed) & 1));
    end
  end

  initial begin
    repeat (3) @(posedge clk);
    #1 rst_n = 1'b1;
    while (got < N && cycles < 50 * N) @(posedge clk);
    if (errors == 0 && got == N) $display("PASS qnn_fifo_tb");
    else $display("FAIL qnn_fifo_tb: %0d errors, %0d of %0d beats", errors, got, N);
    $finish;
  end
endmodule
