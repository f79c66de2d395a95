// Test bench of qnn_framer: Packets tlast-delimited packets of random
// lengths (half of them Beats long, the others shorter or up to 3 beats
// longer) with random valid and ready gaps. The reference is the
// packet-level rule of docs/dataflow.md "Framing": a packet of L != Beats
// beats is dropped, counted at its beat min(L, Beats) - 1, and abort_o is
// 1 on its beats from there to its end; a packet of Beats beats is never
// aborted. Checks abort_o on every handshake and err_o, drops_o (which
// saturates) every cycle. Prints PASS or FAIL.
// The parameters are overridden by qnn_framer_sat_tb.
module qnn_framer_tb #(
  parameter integer Beats = 4, DropBits = 16, Packets = 200,
  parameter         Name = "qnn_framer_tb",
  parameter integer Standalone = 1  // 0: a wrapper reads done and errors and ends the run
);

  reg                 clk, rst_n, valid, ready, last;
  wire                abort, err;
  wire [DropBits-1:0] drops;

  qnn_framer #(.Beats(Beats), .DropBits(DropBits)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .valid_i(valid), .ready_i(ready), .last_i(last),
    .abort_o(abort), .err_o(err), .drops_o(drops));

  integer seed, errors, packet, len, j, want_drops, sat;
  reg done = 1'b0;
  reg want_abort;

  always #5 clk = !clk;

  initial begin
    seed = 7;
    errors = 0;
    sat = (1 << DropBits) - 1;
    clk = 0; rst_n = 0; valid = 0; ready = 0; last = 0;
    repeat (3) @(posedge clk);
    #1 rst_n = 1;
    want_drops = 0;
    for (packet = 0; packet < Packets; packet = packet + 1) begin
      case ($random(seed) & 3)
        0, 1:    len = Beats;
        2:       len = 1 + (($random(seed) & 255) % Beats);
        default: len = Beats + 1 + (($random(seed) & 255) % 3);
      endcase
      for (j = 0; j < len; j = j + 1) begin
        // Offer beat j after a random gap; hold it until the handshake.
        while ($random(seed) & 1) begin
          @(posedge clk); #1;
          check_status;
        end
        valid = 1;
        last = (j == len - 1);
        want_abort = want_abort_at(len, j);
        ready = $random(seed) & 1;
        while (!ready) begin
          #1 check_abort;
          @(posedge clk); #1;
          check_status;
          ready = $random(seed) & 1;
        end
        #1 check_abort;
        if (len != Beats && j == ((len < Beats) ? len : Beats) - 1 && want_drops < sat) want_drops = want_drops + 1;
        @(posedge clk); #1;
        valid = 0; ready = 0; last = 0;
        check_status;
      end
    end
    // Reset clears everything.
    rst_n = 0;
    repeat (2) @(posedge clk);
    #1 rst_n = 1;
    want_drops = 0;
    check_status;
    done = 1;
    if (Standalone) begin
      if (errors == 0) $display("PASS %0s", Name);
      else $display("FAIL %0s: %0d errors", Name, errors);
      $finish;
    end
  end

  function want_abort_at;
    input integer l, b;
    begin
      want_abort_at = (l != Beats) && (b >= ((l < Beats) ? l : Beats) - 1);
    end
  endfunction

  task check_abort;
    begin
      if (abort !== want_abort) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL %0s packet %0d (%0d beats) beat %0d: abort %b, want %b", Name, packet, len, j, abort, want_abort);
      end
    end
  endtask

  task check_status;
    begin
      if (drops !== want_drops[DropBits-1:0] || err !== (want_drops != 0)) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL %0s packet %0d: drops %0d err %b, want %0d", Name, packet, drops, err, want_drops);
      end
    end
  endtask
endmodule
